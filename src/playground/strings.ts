// The playground page's own words (the bot's words come from core/i18n).
export type PageLang = 'zh' | 'en';

const zh = {
  title: 'Polaris 体验场',
  intro: '无需飞书、企业微信或钉钉账号：选一个平台和一位员工，和机器人聊天、点卡片按钮、以上级身份审批。',
  platform: '平台',
  lark: '飞书',
  wecom: '企业微信',
  dingtalk: '钉钉',
  person: '我是',
  switchPerson: '切换',
  teacher: '老师与员工',
  manager: '管理者',
  coach: '教研主管',
  managerLink: '切换到上级：{name}',
  chatWith: '与 Polaris 机器人的单聊',
  message: '消息',
  send: '发送',
  placeholder: '输入消息，例如：我的OKR',
  tryThese: '试试这些命令',
  realPath: '每条消息都走真实链路：模拟器按平台协议签名、加密后投递到 {path}，机器人再调用模拟的平台 API 回复。',
  dashboard: '以此身份查看目标全景',
  empty: '还没有消息。发送「我的OKR」开始。',
  noOrg: '数据库里还没有组织。',
  langToggle: 'English',
  you: '我',
  bot: 'Polaris',
  edited: '已更新',
  sending: '发送中…',
  failed: '投递失败：',
  details: '查看详情',
  org: '组织',
  unknownPerson: '体验场里没有 ID 为“{id}”的员工，所以没有以任何人的身份登录。请在下方“我是”中选择一位员工。',
  newHire: '模拟新员工入职',
  newHireNote:
    '在{platform}通讯录里加入一位新老师（与当前身份同一团队），并推送平台的通讯录变更事件：Polaris 几秒内完成同步，新同事出现在名单里并收到欢迎卡片。',
  guideTitle: '引导脚本：一次完整的绩效复盘',
  guideIntro:
    '按顺序点击，每一步都以对应的身份在飞书模拟器里完成，之后页面切换到这个人的聊天。也可以在聊天框里手动输入同样的命令。',
  guideStart: '1. HR 发起绩效复盘',
  guideSelf: '2. 老师自评并写复盘',
  guideDelegate: '3. 中心主任委托教研主管',
  guideCalibrate: '4. 教研主管校准（写明原因）',
  guideAppeal: '5. 老师申诉',
  guideDecide: '6. 部门负责人处理申诉',
  guideClose: '7. HR 关闭周期',
  guideSheet: '8. 下载绩效表',
  guideDownload: '下载绩效表（CSV）',
} as const;

export type PageStrings = { [K in keyof typeof zh]: string };

const en: PageStrings = {
  title: 'Polaris Playground',
  intro:
    'No Lark, WeCom or DingTalk account needed: pick a platform and an employee, chat with the bot, click card buttons, approve as the manager.',
  platform: 'Platform',
  lark: 'Lark',
  wecom: 'WeCom',
  dingtalk: 'DingTalk',
  person: 'I am',
  switchPerson: 'Switch',
  teacher: 'Teachers & staff',
  manager: 'Managers',
  coach: 'Coaches',
  managerLink: 'Switch to the manager: {name}',
  chatWith: 'Direct chat with the Polaris bot',
  message: 'Message',
  send: 'Send',
  placeholder: 'Type a message, e.g. my okrs',
  tryThese: 'Try these commands',
  realPath:
    'Every message takes the real path: the emulator signs and encrypts it as the platform does and delivers it to {path}; the bot answers through the emulated platform API.',
  dashboard: 'Goal tree as this person',
  empty: 'No messages yet. Send "my okrs" to start.',
  noOrg: 'There is no organization in the database yet.',
  langToggle: '中文',
  you: 'Me',
  bot: 'Polaris',
  edited: 'updated',
  sending: 'Sending…',
  failed: 'Delivery failed: ',
  details: 'Details',
  org: 'Organization',
  unknownPerson:
    'The playground has no employee with the id "{id}", so you are not chatting as anyone. Pick an employee under "I am" below.',
  newHire: 'Simulate a new hire',
  newHireNote:
    "Adds a new teacher to the {platform} directory (in this person's team) and sends the platform's directory change event: Polaris syncs within seconds, the new colleague appears in the list and gets a welcome card.",
  guideTitle: 'Guided script: a whole performance review',
  guideIntro:
    'Click in order: each step is done as the person it belongs to, in the Lark emulator, then the page shows their chat. The same commands can be typed by hand.',
  guideStart: '1. HR starts the review',
  guideSelf: '2. The teacher self-assesses and writes the retrospective',
  guideDelegate: '3. The centre head delegates to the 教研主管',
  guideCalibrate: '4. The 教研主管 calibrates, with a reason',
  guideAppeal: '5. The teacher appeals',
  guideDecide: '6. The department head decides the appeal',
  guideClose: '7. HR closes the cycle',
  guideSheet: '8. Download the sheet',
  guideDownload: 'Download the performance sheet (CSV)',
};

export function pageStrings(lang: PageLang): PageStrings {
  return lang === 'en' ? en : zh;
}

export function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? '');
}
