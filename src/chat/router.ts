// Routes chat events to flows. (Filled in as the flows land.)
import type { ChatHandlers } from './context';
import { noEffects } from './effects';

export const chatHandlers: ChatHandlers = {
  async message(ctx) {
    return { ...noEffects(), messages: [ctx.reply({ text: 'Polaris' })] };
  },
  async cardAction() {
    return noEffects();
  },
};
