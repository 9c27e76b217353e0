// Child process for the crash test: runs the weekly digest on a given SQLite
// file and kills itself with SIGKILL right after its second committed batch.
import { runJobNow } from '../../src/jobs';
import { jobsHarness } from './fixtures';

const [path, now] = process.argv.slice(2);
const h = jobsHarness({ now, path });
await runJobNow(h.services, 'weekly-digest', {
  afterBatch: ({ done }) => {
    if (done >= 50) process.kill(process.pid, 'SIGKILL');
  },
});
console.log('finished without crashing');
