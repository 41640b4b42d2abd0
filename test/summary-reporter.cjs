// Mocha's spec reporter, plus one closing line in the plain form CI reads in any language:
// "N passed, N failed, N skipped", after a line naming the Node that ran them (.ci/run runs the
// tests on two; mocha's workers are started with this process's own node).
'use strict';
const Mocha = require('mocha');

const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats ?? this.stats;
      process.stdout.write(`\nmocha ran on Node ${process.version} (${process.execPath})\n`);
      process.stdout.write(`${passes} passed, ${failures} failed, ${pending} skipped\n`);
    });
  }
}

module.exports = SummaryReporter;
