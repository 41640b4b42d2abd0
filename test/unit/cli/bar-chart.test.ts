import { expect } from 'chai';
import { barChart, barWidth, PLAIN_BAR_WIDTH } from '../../../src/cli/bar-chart.js';

describe('cli: bar chart', () => {
  it('gives the largest count the whole width and the others their share, labels and counts aligned', () => {
    const lines = barChart(
      [
        { label: 'lamp v2.0.0 esp32', count: 10 },
        { label: 'lamp v1.9.0 esp32', count: 5 },
        { label: 'fan v1 esp32c3', count: 1 },
      ],
      20,
    );
    expect(lines).to.deep.equal([
      `lamp v2.0.0 esp32  ${'█'.repeat(20)}  10`,
      `lamp v1.9.0 esp32  ${'█'.repeat(10)}${' '.repeat(10)}   5`,
      `fan v1 esp32c3     ${'█'.repeat(2)}${' '.repeat(18)}   1`,
    ]);
  });

  it('shows at least one block for any count above zero, none for zero', () => {
    const lines = barChart(
      [
        { label: 'a', count: 1000 },
        { label: 'b', count: 1 },
        { label: 'c', count: 0 },
      ],
      10,
    );
    expect(lines[1]).to.equal(`b  █${' '.repeat(9)}     1`);
    expect(lines[2]).to.equal(`c  ${' '.repeat(10)}     0`);
    expect(barChart([{ label: 'none', count: 0 }], 5)).to.deep.equal([`none  ${' '.repeat(5)}  0`]);
    expect(barChart([], 5)).to.deep.equal([]);
  });

  it('fits the bars into a terminal beside labels and counts, 40 columns without one, never under 10', () => {
    const bars = [
      { label: 'lamp v2.0.0 esp32', count: 120 },
      { label: 'x', count: 3 },
    ];
    expect(barWidth(bars, undefined)).to.equal(PLAIN_BAR_WIDTH);
    expect(PLAIN_BAR_WIDTH).to.equal(40);
    expect(barWidth(bars, 80)).to.equal(80 - 17 - 3 - 4);
    for (const line of barChart(bars, barWidth(bars, 80))) expect(line.length).to.equal(80);
    expect(barWidth(bars, 20)).to.equal(10);
  });
});
