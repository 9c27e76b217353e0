// The playground's stylesheet. Each platform's chat pane borrows that client's
// look (colours, bubble and card shapes); all text keeps at least 4.5:1 contrast
// and every control has a visible focus ring.
export const PAGE_CSS = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.55 -apple-system,BlinkMacSystemFont,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;color:#1f2329;background:#f4f5f7}
a{color:#1f5fd1}
:focus-visible{outline:3px solid #1f5fd1;outline-offset:2px}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);border:0}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:8px}
.skip:focus{left:8px;z-index:10}
.top{display:flex;justify-content:space-between;align-items:flex-start;gap:16px;padding:14px 24px;background:#fff;border-bottom:1px solid #dee0e3}
.top h1{margin:0;font-size:20px}
.intro{margin:2px 0 0;color:#4e5561;max-width:760px}
.top-links{display:flex;gap:16px;white-space:nowrap;padding-top:4px}
.layout{display:grid;grid-template-columns:300px 1fr;gap:20px;padding:20px 24px;max-width:1280px;margin:0 auto}
.side{display:flex;flex-direction:column;gap:14px}
.label{font-size:13px;font-weight:600;color:#4e5561;margin:0 0 6px;display:block}
.tabs{list-style:none;margin:0;padding:0;display:flex;gap:6px}
.tab{display:block;padding:7px 12px;border:1px solid #c9cdd4;border-radius:8px;background:#fff;color:#1f2329;text-decoration:none;font-weight:500}
.tab[aria-current=page]{color:#fff;border-color:transparent}
.tab-lark[aria-current=page]{background:#245bdb}
.tab-wecom[aria-current=page]{background:#1a6fd0}
.tab-dingtalk[aria-current=page]{background:#0067c0}
.picker-row{display:flex;gap:6px}
select,input[type=text]{font:inherit;color:#1f2329;border:1px solid #8f959e;border-radius:6px;padding:7px 9px;background:#fff;min-width:0}
select{flex:1}
.btn{font:inherit;cursor:pointer;border:1px solid #8f959e;background:#fff;color:#1f2329;border-radius:6px;padding:6px 12px}
.btn:hover{background:#f0f1f3}
.btn:disabled{cursor:default;opacity:.75}
.who{background:#fff;border:1px solid #dee0e3;border-radius:8px;padding:10px 12px}
.who p{margin:2px 0;color:#4e5561}
.who .who-name{font-size:16px;font-weight:600;color:#1f2329}
.who-id code{font-size:12px;color:#4e5561}
.suggestions{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:6px}
.suggest{font:inherit;font-size:13px;border:1px dashed #8f959e;background:#fff;color:#1f2329;border-radius:14px;padding:3px 10px;cursor:pointer;text-align:left}
.note{font-size:12px;color:#4e5561;margin:0}
.chat{display:flex;flex-direction:column;height:calc(100vh - 140px);min-height:520px;border-radius:10px;overflow:hidden;border:1px solid #dee0e3;background:#fff}
.chat-head{display:flex;align-items:center;gap:10px;padding:10px 16px;border-bottom:1px solid #dee0e3;background:#fff}
.chat-head h2{margin:0;font-size:16px}
.chat-head p{margin:0;font-size:12px;color:#4e5561}
.bot-avatar,.avatar{display:inline-flex;align-items:center;justify-content:center;width:34px;height:34px;border-radius:50%;color:#fff;font-weight:700;flex:none}
.log{flex:1;overflow-y:auto;padding:16px;position:relative}
.msgs{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:14px}
.msg{display:flex;gap:8px;align-items:flex-start}
.msg.user{flex-direction:row-reverse}
.bubble{max-width:72%;position:relative}
.msg.has-card .bubble{max-width:min(520px,86%);width:100%}
.txt,.md{padding:8px 12px;border-radius:8px;background:#fff;border:1px solid #dee0e3;word-break:break-word}
.msg.user .txt{color:#fff;border-color:transparent}
.edited{display:block;font-size:11px;color:#5f656d;margin-top:2px}
.empty{color:#4e5561;text-align:center;margin-top:40px}
.gap{height:6px}
.quote{border-left:3px solid #c9cdd4;padding-left:8px;color:#4e5561}
.md-h{font-weight:600}
hr{border:0;border-top:1px solid #dee0e3;margin:8px 0}
.status{min-height:20px;margin:0;padding:2px 16px;font-size:13px;color:#4e5561}
.status.error{color:#c0262d}
.status.toast{color:#1e7a34}
.composer{display:flex;gap:8px;padding:10px 16px;border-top:1px solid #dee0e3;background:#fff}
.composer input{flex:1}
.btn-send{color:#fff;border-color:transparent}
.card{background:#fff;border:1px solid #dee0e3;border-radius:8px;overflow:hidden}
.card-title{font-weight:600;font-size:15px}
.card-sub{font-size:12px;color:#4e5561}
/* Lark: header tinted by template, body of markdown / column sets / buttons */
.pf-lark .log{background:#f2f3f5}
.pf-lark .bot-avatar,.pf-lark .msg.bot .avatar{background:#245bdb}
.pf-lark .msg.user .avatar{background:#6b7280}
.pf-lark .msg.user .txt,.pf-lark .btn-send{background:#245bdb}
.lk-head{padding:10px 14px}
.lk-body{padding:10px 14px;display:flex;flex-direction:column;gap:8px}
.lk-md.small{font-size:12px}
.lk-hr{margin:2px 0}
.lk-cols{display:flex;gap:8px}
.lk-flex-bisect>.lk-col{flex:1 1 50%}
.lk-flex-flow{flex-wrap:wrap}
.lk-col{flex:1;min-width:0}
.lk-col.auto{flex:none}
.lk-btn{border-radius:6px;padding:4px 12px;border-color:#c9cdd4;text-decoration:none;display:inline-block}
.lk-primary,.lk-primary_filled{background:#245bdb;border-color:#245bdb;color:#fff}
.lk-primary:hover{background:#1c4ab5}
.lk-danger,.lk-danger_filled{background:#fff;border-color:#c0262d;color:#c0262d}
/* WeCom: template card with a source line, grey key/value rows and full-width buttons */
.pf-wecom .log{background:#ededed}
.pf-wecom .bot-avatar,.pf-wecom .msg.bot .avatar{background:#1a6fd0}
.pf-wecom .msg.user .avatar{background:#6b7280}
.pf-wecom .msg.user .txt{background:#1a6fd0}
.pf-wecom .btn-send{background:#1a6fd0}
.wc-card{padding:12px 14px;border-radius:4px}
.wc-source{font-size:12px;color:#5f656d;margin-bottom:6px}
.wc-sub{margin-top:6px;color:#4e5561;font-size:13px}
.wc-kv{margin:8px 0 0;display:flex;flex-direction:column;gap:3px}
.wc-kv div{display:flex;gap:10px}
.wc-kv dt{color:#5f656d;min-width:64px}
.wc-kv dd{margin:0}
.wc-btns{display:flex;gap:8px;margin-top:10px;flex-wrap:wrap;border-top:1px solid #ededed;padding-top:10px}
.wc-btn{flex:1 1 40%;border-radius:4px}
.wc-primary{background:#1a6fd0;border-color:#1a6fd0;color:#fff}
.wc-danger{color:#c0262d;border-color:#c0262d}
.wc-done{color:#4e5561;background:#f2f3f5;border-color:#dee0e3}
.wc-more{display:block;margin-top:8px;font-size:13px}
/* DingTalk: colour bar on top, markdown body, button row */
.pf-dingtalk .log{background:#f2f3f5}
.pf-dingtalk .bot-avatar,.pf-dingtalk .msg.bot .avatar{background:#0067c0}
.pf-dingtalk .msg.user .avatar{background:#6b7280}
.pf-dingtalk .msg.user .txt,.pf-dingtalk .btn-send{background:#0067c0}
.dt-card{border-top:4px solid #0067c0;border-radius:10px}
.dt-head{padding:10px 14px 4px}
.dt-body{padding:4px 14px 10px}
.dt-btns{display:flex;flex-wrap:wrap;gap:8px;padding:10px 14px;border-top:1px solid #eceef0}
.dt-btn{border-radius:16px;padding:4px 14px}
.dt-primary{background:#0067c0;border-color:#0067c0;color:#fff}
.dt-danger{color:#c0262d;border-color:#c0262d}
.guide{margin:14px 0;padding:10px 0;border-top:1px solid #e5e7eb}
.guide-steps{margin:6px 0;padding-left:0;list-style:none}
.guide-steps li{margin:6px 0}
.guide-steps li.done .guide-step{opacity:.6}
.guide-steps li.next .guide-step{outline:2px solid #2563eb}
.guide-step{text-align:left}
.unknown-person{margin:0 16px 12px;padding:10px 14px;border:1px solid #c0262d;border-radius:8px;background:#fdecec;color:#8a1c21}
@media (max-width:800px){.layout{grid-template-columns:1fr}.chat{height:70vh}.top{flex-direction:column}}
`;
