// One rule for dropping a KR, in chat and the API alike: not while objectives
// align to it (the API answers 409; chat refuses the request, and an approval
// of a drop that became orphaning in the meantime is refused too).
import type { Store } from '../../storage/db';
import { objectivesAlignedTo } from '../../storage/repos/okrs';

/** Titles of the objectives (not archived) aligned to a KR. */
export async function alignedToKr(store: Store, orgId: string, krId: string): Promise<string[]> {
  return (await objectivesAlignedTo(store, orgId, [krId])).filter((o) => o.status !== 'archived').map((o) => o.title);
}

export function quoteTitles(locale: string, titles: string[]): string {
  return locale === 'en' ? titles.map((x) => `"${x}"`).join(', ') : titles.map((x) => `「${x}」`).join('、');
}
