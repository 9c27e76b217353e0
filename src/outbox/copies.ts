// Every copy of a message that went out under one subject (an approval card to
// the manager and the delegate, an escalation card to the coach and later
// their manager), and which of them a card click came from. Updating "the card
// everywhere it was sent" is one outbox `update` per copy, addressed by the
// outbox row that sent it; the clicked copy is skipped because the click's own
// answer replaces it.
import { and, eq, ne } from 'drizzle-orm';
import type { Address, Platform, SentRef } from '../../bots/types';
import type { Store } from '../../storage/db';
import { outbox } from '../../storage/schema';

export interface SentCopy {
  outboxId: string;
  platform: Platform;
  to: Address;
  messageId?: string;
  /** WeCom's task_id of the card: a WeCom click names the card by it, not by the msgid the send returned. */
  taskId?: string;
}

export async function sentCopies(store: Store, subject: string): Promise<SentCopy[]> {
  const rows = await store.db
    .select({ id: outbox.id, platform: outbox.platform, target: outbox.target, sentRef: outbox.sentRef })
    .from(outbox)
    .where(and(eq(outbox.subject, subject), eq(outbox.operation, 'send'), ne(outbox.platform, 'webhook')));
  return rows.map((r) => {
    const sent = r.sentRef as { messageId?: string; extra?: { taskId?: unknown } } | null;
    return {
      outboxId: r.id,
      platform: r.platform as Platform,
      to: r.target as unknown as Address,
      messageId: sent?.messageId,
      taskId: typeof sent?.extra?.taskId === 'string' ? sent.extra.taskId : undefined,
    };
  });
}

/** Is `copy` the message a card click came from? */
export function isClickedCopy(copy: SentCopy, clicked: Pick<SentRef, 'platform' | 'messageId'> | undefined): boolean {
  if (!clicked || copy.platform !== clicked.platform) return false;
  return copy.messageId === clicked.messageId || (copy.taskId !== undefined && copy.taskId === clicked.messageId);
}
