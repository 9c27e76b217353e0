// Node processes name themselves `node:<host>:<pid>:<nonce>`. On the same host a
// process can tell whether another one is gone: its pid no longer exists, or it
// is our own pid with another nonce (a container restarted as pid 1 again).
// Across hosts nothing is known, and the run's heartbeat decides.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Instance } from '../../core/instance';

const PATTERN = /^node:(.+):(\d+):([0-9a-f]+)$/;

export function nodeInstance(): Instance {
  const host = hostname().replace(/\//g, '_');
  const pid = process.pid;
  const nonce = randomBytes(6).toString('hex');
  return {
    id: `node:${host}:${pid}:${nonce}`,
    isGone(otherId) {
      const m = PATTERN.exec(otherId);
      if (!m || m[1] !== host) return false;
      const otherPid = Number(m[2]);
      if (otherPid === pid) return m[3] !== nonce;
      try {
        process.kill(otherPid, 0);
        return false;
      } catch (error) {
        // EPERM: the pid exists but belongs to someone else; it may be alive.
        return (error as NodeJS.ErrnoException).code === 'ESRCH';
      }
    },
  };
}
