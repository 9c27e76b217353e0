// Where browser tests save their screenshots. The README shows the ones in
// docs/screenshots/; tests only overwrite them when asked
// (`UPDATE_SCREENSHOTS=1 npm test -- test/browser`), so a plain `npm test`
// leaves the working tree clean. Otherwise they go to a temporary folder.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS
  ? join(import.meta.dirname, '..', '..', 'docs', 'screenshots')
  : join(tmpdir(), 'polaris-screenshots');

mkdirSync(SCREENSHOTS, { recursive: true });
