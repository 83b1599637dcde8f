/**
 * The status page's only stylesheet, served at a path carrying its content hash so that it can
 * be cached forever. Light and dark schemes follow `prefers-color-scheme`.
 *
 * @module
 */

/** The stylesheet text. */
export const STYLE_CSS =
  `:root{color-scheme:light dark;--bg:#fff;--fg:#1a1a1a;--muted:#555;--line:#d0d0d0;
--link:#0645ad;--card:#f5f5f5;--crit:#a4001d;--high:#b33a00;--medium:#7a5200;--low:#36566b;
--info:#4a4a4a;--ok:#1b6e20;--na:#5b5b5b}
@media (prefers-color-scheme:dark){:root{--bg:#121212;--fg:#e8e8e8;--muted:#b0b0b0;
--line:#3a3a3a;--link:#8ab4f8;--card:#1e1e1e;--crit:#ff8a8a;--high:#ffab73;--medium:#f5cc6b;
--low:#9cc4dd;--info:#c8c8c8;--ok:#7fd483;--na:#bdbdbd}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,
"Segoe UI",Roboto,sans-serif}
a{color:var(--link)}
a:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:var(--bg);padding:4px}
header,main,footer{max-width:72rem;margin:0 auto;padding:0 1rem}
header nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem;padding:.75rem 0;
border-bottom:1px solid var(--line)}
header nav a:first-child{font-weight:700;margin-right:auto}
h1{font-size:1.5rem;margin:1rem 0 .5rem}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
.table{overflow-x:auto}
table{border-collapse:collapse;width:100%;min-width:40rem;font-size:.9rem}
thead th{white-space:nowrap}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);
vertical-align:top;overflow-wrap:anywhere}
th{font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td{min-width:4rem}tbody th{min-width:7rem}td.num{min-width:0}
pre,code{font:.85rem/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:var(--card);padding:.75rem;overflow-x:auto;white-space:pre-wrap;
overflow-wrap:anywhere}
.sev,.state{font-weight:700;white-space:nowrap}
.critical{color:var(--crit)}.high{color:var(--high)}.medium{color:var(--medium)}
.low{color:var(--low)}.info{color:var(--info)}.ok{color:var(--ok)}.na,.stale{color:var(--na)}
.muted{color:var(--muted)}.note{margin-left:.3em}
dl{display:grid;grid-template-columns:fit-content(12rem) minmax(0,1fr);gap:.25rem 1rem}
dt{font-weight:600;overflow-wrap:anywhere}
dd{margin:0;overflow-wrap:anywhere}
form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}
label{display:flex;flex-direction:column;font-size:.85rem}
input,select,button{font:inherit;padding:.25rem}
.verdict{font-size:1.1rem;font-weight:700;margin:.5rem 0 1rem;padding:.5rem .75rem;
border-left:6px solid currentColor;background:var(--card)}
.verdict.ok{color:var(--ok)}.verdict.na{color:var(--na)}
.files{margin:0;padding:0;list-style:none}.files li{margin:0 0 .25rem}
.tl{width:100%;height:auto;font:13px system-ui,sans-serif}.tl.narrow{display:none}
.tl text{fill:var(--fg)}.tl .tick{fill:var(--muted);font-size:12px}.tl .grid{stroke:var(--line)}
.tl .rel{fill:var(--link)}.tl .bar{fill:var(--info)}.tl .bar.critical{fill:var(--crit)}
.tl .bar.high{fill:var(--high)}.tl .bar.medium{fill:var(--medium)}.tl .bar.low{fill:var(--low)}
.tl .bar.resolved{opacity:.4}.tl .bar.waived{opacity:.65}
footer{margin-top:2rem;padding-bottom:2rem;color:var(--muted);font-size:.85rem}
@media (max-width:40rem){th,td{padding:.3rem}body{font-size:15px}
.tl.wide{display:none}.tl.narrow{display:block}
dl{grid-template-columns:minmax(0,1fr)}dd{margin-bottom:.5rem}}
`;

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Path of the stylesheet, e.g. `/static/style.3f2a9c1b7d0e.css`. */
export const STYLE_PATH = `/static/style.${(await sha256Hex(STYLE_CSS)).slice(0, 12)}.css`;
