/** The HTML of pinbox's OAuth pages: escaped templates, no script, one small stylesheet. */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for HTML element content and quoted attribute values.
 * @example escapeHtml('<b>') // '&lt;b&gt;'
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Hidden inputs carrying `fields` through a form. */
export function hiddenFields(fields: Record<string, string | null | undefined>): string {
  return Object.entries(fields)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
}

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: #f1f1f1; color: #111; margin: 0; }
main { max-width: 440px; margin: 48px auto; background: #fff; border-radius: 24px; padding: 32px 36px; box-shadow: 0 1px 12px rgba(0,0,0,.1); }
.brand { color: #e60023; font-weight: 700; font-size: 14px; letter-spacing: .02em; }
h1 { font-size: 24px; margin: 8px 0 16px; }
p { line-height: 1.45; }
label { display: block; font-size: 14px; margin: 12px 0 4px; }
input[type=text], input[type=password] { width: 100%; box-sizing: border-box; padding: 10px 14px; border: 2px solid #cdcdcd; border-radius: 16px; font-size: 16px; }
button { border: 0; border-radius: 24px; padding: 10px 20px; font-size: 16px; font-weight: 600; cursor: pointer; }
button.primary { background: #e60023; color: #fff; }
button.secondary { background: #efefef; color: #111; }
.actions { display: flex; gap: 12px; justify-content: flex-end; margin-top: 24px; }
ul.scopes { padding-left: 0; list-style: none; }
ul.scopes li { padding: 8px 0; border-bottom: 1px solid #eee; }
ul.scopes li code { color: #767676; font-size: 12px; display: block; }
.secret-tag { background: #111; color: #fff; border-radius: 8px; padding: 1px 8px; font-size: 12px; margin-left: 6px; }
.notice { background: #fff4e5; border-radius: 12px; padding: 10px 14px; font-size: 14px; }
.error { background: #ffe5e9; color: #9b001a; border-radius: 12px; padding: 10px 14px; }
.muted { color: #767676; font-size: 13px; }
form.inline { display: inline; }
button.link { background: none; color: #0074e8; padding: 0; font-size: 13px; font-weight: 400; }
`;

/** A whole page around `body`; `maxWidth` widens it (pixels) for pages with tables. */
export function page(title: string, body: string, maxWidth?: number): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · pinbox</title>
<style>${STYLE}${maxWidth ? `main { max-width: ${maxWidth}px; } table { border-collapse: collapse; width: 100%; } td, th { text-align: left; vertical-align: top; padding: 4px 8px; border-top: 1px solid #eee; } .small { font-size: 12px; } .muted { color: #767676; } dt { font-weight: 600; } dd { margin: 0 0 8px; }` : ''}</style>
</head>
<body>
<main>
<div class="brand">pinbox · Pinterest API emulator</div>
${body}
</main>
</body>
</html>
`;
}
