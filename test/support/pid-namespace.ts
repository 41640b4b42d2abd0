import { spawnSync } from 'node:child_process';

/**
 * A wrapper command that runs a program in a new PID namespace with its own /proc, as each
 * container has: the program is pid 1 there, and pids of other namespaces do not compare.
 */
export const OWN_PID_NAMESPACE = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'];

/** Whether this process may create PID namespaces (it needs root here, and util-linux). */
export function pidNamespacesWork(): boolean {
  const [command = 'unshare', ...args] = OWN_PID_NAMESPACE;
  return spawnSync(command, [...args, 'true'], { stdio: 'ignore' }).status === 0;
}
