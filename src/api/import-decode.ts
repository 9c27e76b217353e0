// The bytes of an uploaded people.csv → text. HR exports come from Excel, which on Chinese
// Windows saves "CSV" in the ANSI code page, GBK (CP936); "CSV UTF-8" adds a byte-order mark;
// other tools write UTF-8 without one. Reading every upload as UTF-8 turned GBK names into
// "����" (issue 19). So:
//   1. a byte-order mark decides (UTF-8, UTF-16 LE/BE);
//   2. bytes that are valid UTF-8 are UTF-8 (strict decoding: GBK text is practically never
//      valid UTF-8, since its lead bytes 0x81–0xFE are mostly followed by bytes UTF-8 forbids);
//   3. otherwise jschardet names the legacy encoding; GB18030 (the superset of GBK and GB2312)
//      is decoded with iconv-lite; another East Asian encoding (Big5, Shift_JIS, EUC-KR, …) is
//      refused by name rather than decoded as GBK into plausible-looking wrong characters.
// Whatever was decoded, a U+FFFD replacement character means the file is damaged (bytes the
// encoding does not define, or a file that was already garbled when saved) and it is refused,
// naming the first rows, so nothing half-readable is ever imported.
//
// Why these libraries: iconv-lite is the pure-JS codec behind body-parser and nodemailer (no
// native code, works on Workers with nodejs_compat; TextDecoder's gb18030 depends on the
// runtime's ICU build). jschardet (a port of Mozilla's universal charset detector) tells
// GB18030 from Big5 and Shift_JIS on short files where ICU-style detectors (chardet) guessed
// windows-125x in our samples; it is only asked after strict UTF-8 has failed.
//
// Both are loaded on the first file that needs them (a BOM-less UTF-8 file, the usual case,
// needs neither): together they are several MB of an idle server's memory.
import { ApiError, bilingual } from './errors';

export type ImportEncoding = 'UTF-8' | 'UTF-8 BOM' | 'UTF-16LE' | 'UTF-16BE' | 'GB18030';

/** Encodings a detector may name that we refuse rather than read as GBK. */
const OTHER_LEGACY: Record<string, string> = {
  big5: 'Big5',
  'euc-tw': 'EUC-TW',
  shift_jis: 'Shift_JIS',
  cp932: 'Shift_JIS',
  'euc-jp': 'EUC-JP',
  'euc-kr': 'EUC-KR',
  'iso-2022-jp': 'ISO-2022-JP',
  'iso-2022-kr': 'ISO-2022-KR',
  'iso-2022-cn': 'ISO-2022-CN',
};

const MAX_REPORTED_ROWS = 5;

/** Decodes an uploaded CSV; refuses (400) a file that is not readable text. */
export async function decodeImportCsv(bytes: Uint8Array): Promise<{ text: string; encoding: ImportEncoding }> {
  const { text, encoding } = await decode(bytes);
  refuseReplacementCharacters(text, encoding);
  return { text, encoding };
}

const loadIconv = async () => (await import('iconv-lite')).default;

async function decode(bytes: Uint8Array): Promise<{ text: string; encoding: ImportEncoding }> {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'UTF-8 BOM' };
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return { text: (await loadIconv()).decode(Buffer.from(bytes.subarray(2)), 'utf-16le'), encoding: 'UTF-16LE' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return { text: (await loadIconv()).decode(Buffer.from(bytes.subarray(2)), 'utf-16be'), encoding: 'UTF-16BE' };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'UTF-8' };
  } catch {
    // Not UTF-8: a legacy code page.
  }
  const buffer = Buffer.from(bytes);
  const [iconv, { default: jschardet }] = await Promise.all([loadIconv(), import('jschardet')]);
  const guess = jschardet.detect(buffer).encoding?.toLowerCase() ?? '';
  const other = OTHER_LEGACY[guess];
  if (other) throw new ApiError(400, 'bad_request', bilingual('apiError.import.otherEncoding', { encoding: other }));
  return { text: iconv.decode(buffer, 'gb18030'), encoding: 'GB18030' };
}

function refuseReplacementCharacters(text: string, encoding: ImportEncoding): void {
  if (!text.includes('\uFFFD')) return;
  const rows: number[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length && rows.length < MAX_REPORTED_ROWS; i++)
    if (lines[i].includes('\uFFFD')) rows.push(i);
  // Line 0 is the header; data rows count from 1 as elsewhere in the import.
  const where = rows.map((r) => (r === 0 ? 'header' : String(r)));
  const whereZh = rows.map((r) => (r === 0 ? '表头' : `第 ${r} 行`));
  const message = bilingual('apiError.import.garbled', { encoding, rows: where.join(', ') });
  message.zh = bilingual('apiError.import.garbled', { encoding, rows: whereZh.join('、') }).zh;
  throw new ApiError(
    400,
    'bad_request',
    message,
    rows.map((r) => ({
      row: r,
      field: r === 0 ? '(header)' : '(row)',
      message: 'contains undecodable characters (�)',
    })),
  );
}
