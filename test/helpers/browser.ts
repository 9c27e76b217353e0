// The Chromium the browser tests drive, found without a system install, apt or root:
//   1. CHROMIUM_PATH, when set;
//   2. a Chromium or Chrome already on the system (/usr/bin/chromium, chromium-browser, google-chrome);
//   3. the build that ships inside the @sparticuz/chromium npm package (a devDependency).
// Chinese must render, not as empty boxes, whichever it is: the browser gets a fontconfig file
// that adds the Noto Sans SC (思源黑体) files of the @embedpdf/fonts-sc npm package to the
// system's fonts (if there are any), through FONTCONFIG_FILE for the browser process only.
import { accessSync, constants, createReadStream, createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';
import { type Browser, chromium, type LaunchOptions } from 'playwright-core';

const require = createRequire(import.meta.url);

/** A package's folder, found from its entry point (their `exports` hide package.json). */
function packageRoot(name: string): { dir: string; version: string } {
  let dir = dirname(require.resolve(name));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version: string };
      if (pkg.name === name) return { dir, version: pkg.version };
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the folder of ${name}`);
    dir = parent;
  }
}

/** Flags for a quiet, sandbox-free headless run (tests run as root in CI). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  const dirs = ['/usr/bin', ...(process.env.PATH ?? '').split(delimiter)].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The npm package's Chromium, decompressed once per version into the temp folder. Its own
 * `executablePath()` writes /tmp/chromium in place, so two test files starting together could
 * launch a half-written binary; here each writer decompresses to a file of its own and renames
 * it into place, so a reader sees either nothing or the whole binary.
 */
async function packagedChromium(): Promise<string> {
  const pkg = packageRoot('@sparticuz/chromium');
  const dir = join(tmpdir(), `polaris-chromium-${pkg.version}`);
  const binary = join(dir, 'chromium');
  if (executable(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const partial = join(dir, `chromium.${process.pid}.${Date.now()}.partial`);
  await pipeline(
    createReadStream(join(pkg.dir, 'bin', 'chromium.br')),
    createBrotliDecompress(),
    createWriteStream(partial, { mode: 0o755 }),
  );
  renameSync(partial, binary);
  return binary;
}

/** Where the browser comes from, for messages. */
export async function chromiumExecutable(): Promise<{ path: string; source: string }> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!executable(configured)) throw new Error(`CHROMIUM_PATH=${configured} is not an executable file`);
    return { path: configured, source: 'CHROMIUM_PATH' };
  }
  for (const name of SYSTEM_NAMES) {
    const found = onPath(name);
    if (found) return { path: found, source: 'system' };
  }
  return { path: await packagedChromium(), source: '@sparticuz/chromium' };
}

/** A fontconfig file: the system's configuration when there is one, plus the CJK fonts from npm. */
export function fontconfigFile(): string {
  const source = join(packageRoot('@embedpdf/fonts-sc').dir, 'fonts');
  // One folder per checkout, so a link never points into another (maybe deleted) node_modules.
  const dir = join(tmpdir(), `polaris-fontconfig-${createHash('sha1').update(source).digest('hex').slice(0, 12)}`);
  mkdirSync(join(dir, 'cache'), { recursive: true });
  // Regular and Bold are all the pages use; linking only those keeps fontconfig's first scan short.
  const fonts = join(dir, 'fonts');
  mkdirSync(fonts, { recursive: true });
  for (const weight of ['Regular', 'Bold']) {
    const link = join(fonts, `NotoSansHans-${weight}.otf`);
    try {
      symlinkSync(join(source, `NotoSansHans-${weight}.otf`), link);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const file = join(dir, `fonts-${process.pid}.conf`);
  const system = existsSync('/etc/fonts/fonts.conf')
    ? '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
    : '';
  writeFileSync(
    file,
    `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
${system}  <dir>${fonts}</dir>
  <cachedir>${join(dir, 'cache')}</cachedir>
</fontconfig>
`,
  );
  return file;
}

/**
 * Launches Chromium for a test file; close it in afterAll. It paints Chinese once before
 * returning, so fontconfig's first scan of the fonts happens here (in beforeAll) and not
 * inside a test's wait for a page.
 */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const { path } = await chromiumExecutable();
  const browser = await chromium.launch({
    executablePath: path,
    args: CHROMIUM_ARGS,
    ...options,
    env: { ...process.env, FONTCONFIG_FILE: fontconfigFile(), ...options.env },
  });
  const warm = await browser.newPage();
  await warm.setContent('<p style="font-weight:bold">目标 Objective</p><p>进度 progress</p>');
  await warm.screenshot();
  await warm.close();
  return browser;
}
