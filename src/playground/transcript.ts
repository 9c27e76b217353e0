// The conversation each person has with the bot on each platform, in the order
// things happened: what the person typed (recorded here, as the emulators only
// push it) and what the bot sent (discovered in the emulators' state right
// after each API call, so bot messages keep the order they were sent in).
// Each item carries the platform's own message JSON; the page renders it.
import type { Platform } from '../../bots/types';
import type { PlaygroundEmulators } from './emulators';

type Json = Record<string, unknown>;

interface UserEntry {
  seq: number;
  platform: Platform;
  from: 'user';
  userId: string;
  text: string;
}
interface BotEntry {
  seq: number;
  platform: Platform;
  from: 'bot';
  to: string[];
  ref: string;
  source: 'message' | 'card';
}
type Entry = UserEntry | BotEntry;

/** One bubble in the chat pane. */
export interface ChatItem {
  id: string;
  from: 'user' | 'bot';
  format: 'text' | 'markdown' | 'lark_card' | 'wecom_card' | 'dingtalk_card';
  text?: string;
  title?: string;
  /** The platform's card JSON as it stands now (Lark card 2.0, WeCom template_card, DingTalk cardParamMap). */
  card?: Json;
  /** WeCom: the text that replaced this person's buttons after a click. */
  replacedButton?: string;
  /** How many times the platform updated this message. */
  updates: number;
}

const MAX_ENTRIES = 5000;

export class Transcript {
  private entries: Entry[] = [];
  private seq = 0;
  private seen = new Set<string>();
  private dingtalkMessagesSeen = 0;

  constructor(private readonly emulators: PlaygroundEmulators) {}

  private push(entry: Omit<UserEntry, 'seq'> | Omit<BotEntry, 'seq'>): void {
    this.entries.push({ ...entry, seq: ++this.seq } as Entry);
    // A long-running playground forgets its oldest lines rather than growing forever.
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
  }

  said(platform: Platform, userId: string, text: string): void {
    this.sync(platform);
    this.push({ platform, from: 'user', userId, text });
  }

  /** Records messages the bot sent since the last look. */
  sync(platform: Platform): void {
    if (platform === 'lark') {
      for (const m of this.emulators.lark.messages.values()) {
        const key = `lark:${m.messageId}`;
        if (this.seen.has(key)) continue;
        this.seen.add(key);
        this.push({
          platform,
          from: 'bot',
          to: [m.receiveIdType === 'chat_id' ? `chat:${m.receiveId}` : m.receiveId],
          ref: m.messageId,
          source: 'message',
        });
      }
    } else if (platform === 'wecom') {
      for (const m of this.emulators.wecom.messages.values()) {
        const key = `wecom:${m.msgid}`;
        if (this.seen.has(key)) continue;
        this.seen.add(key);
        this.push({ platform, from: 'bot', to: m.delivered, ref: m.msgid, source: 'message' });
      }
    } else {
      const { messages, cards } = this.emulators.dingtalk;
      if (messages.length < this.dingtalkMessagesSeen) this.dingtalkMessagesSeen = 0;
      for (; this.dingtalkMessagesSeen < messages.length; this.dingtalkMessagesSeen++) {
        const m = messages[this.dingtalkMessagesSeen];
        this.push({ platform, from: 'bot', to: [m.to], ref: String(this.dingtalkMessagesSeen), source: 'message' });
      }
      for (const card of cards.values()) {
        const key = `dingtalk:${card.outTrackId}`;
        if (this.seen.has(key)) continue;
        this.seen.add(key);
        const to = card.openSpaceId.replace(/^dtv1\.card\/\/IM_(ROBOT|GROUP)\./, '');
        this.push({ platform, from: 'bot', to: [to], ref: card.outTrackId, source: 'card' });
      }
    }
  }

  /** The one-to-one chat between `userId` (the platform's id for the person) and the bot. */
  conversation(platform: Platform, userId: string): ChatItem[] {
    this.sync(platform);
    const items: ChatItem[] = [];
    for (const e of this.entries) {
      if (e.platform !== platform) continue;
      if (e.from === 'user') {
        if (e.userId === userId)
          items.push({ id: `u${e.seq}`, from: 'user', format: 'text', text: e.text, updates: 0 });
        continue;
      }
      if (!e.to.includes(userId)) continue;
      const item = this.botItem(e, userId);
      if (item) items.push(item);
    }
    return items;
  }

  private botItem(e: BotEntry, userId: string): ChatItem | undefined {
    const id = e.ref;
    if (e.platform === 'lark') {
      const m = this.emulators.lark.messages.get(e.ref);
      if (!m) return undefined;
      const content = (m.content ?? {}) as Json;
      if (m.msgType === 'interactive')
        return { id, from: 'bot', format: 'lark_card', card: content, updates: m.updates };
      if (m.msgType === 'text')
        return { id, from: 'bot', format: 'text', text: String(content.text ?? ''), updates: m.updates };
      return { id, from: 'bot', format: 'text', text: JSON.stringify(content), updates: m.updates };
    }
    if (e.platform === 'wecom') {
      const m = this.emulators.wecom.messages.get(e.ref);
      if (!m) return undefined;
      const updates = m.updates.length;
      if (m.msgtype === 'template_card' && m.templateCard) {
        return {
          id,
          from: 'bot',
          format: 'wecom_card',
          card: m.templateCard,
          replacedButton: m.replacedButton[userId],
          updates,
        };
      }
      const content = (m.body[m.msgtype] ?? {}) as Json;
      if (m.msgtype === 'markdown')
        return { id, from: 'bot', format: 'markdown', text: String(content.content ?? ''), updates };
      return {
        id,
        from: 'bot',
        format: 'text',
        text: typeof content.content === 'string' ? content.content : JSON.stringify(content),
        updates,
      };
    }
    if (e.source === 'card') {
      const card = this.emulators.dingtalk.cards.get(e.ref);
      if (!card) return undefined;
      return { id, from: 'bot', format: 'dingtalk_card', card: { ...card.cardParamMap }, updates: card.updates };
    }
    const m = this.emulators.dingtalk.messages[Number(e.ref)];
    if (!m) return undefined;
    const p = m.msgParam as Json;
    if (m.msgKey === 'sampleText')
      return { id: `dm${e.ref}`, from: 'bot', format: 'text', text: String(p.content ?? ''), updates: 0 };
    if (m.msgKey === 'sampleMarkdown')
      return {
        id: `dm${e.ref}`,
        from: 'bot',
        format: 'markdown',
        title: String(p.title ?? ''),
        text: String(p.text ?? ''),
        updates: 0,
      };
    return { id: `dm${e.ref}`, from: 'bot', format: 'text', text: JSON.stringify(p), updates: 0 };
  }
}
