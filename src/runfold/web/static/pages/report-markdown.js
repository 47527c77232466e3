// Markdown in reports: marked turns the text into HTML, DOMPurify keeps only the tags
// and attributes markdown makes (no style, no event handlers, links and images only
// http(s), mailto or relative). Raw HTML written in the text is never interpreted: marked
// hands it to us as an "html" token and it is shown escaped, as text.
import { html, useEffect, useRef } from "../lib/ui.js";
import { safeUrl } from "../lib/reportblocks.js";
import { Marked } from "../vendor/marked-18.2.1.esm.js";
import DOMPurify from "../vendor/purify-3.4.18.es.mjs";

const escapeHTML = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
  .replace(/"/g, "&quot;").replace(/'/g, "&#39;");

const marked = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html(token) {
      return token.block ? `<p>${escapeHTML(token.text)}</p>` : escapeHTML(token.text);
    },
  },
});

const PURIFY = {
  ALLOWED_TAGS: [
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "input",
  ],
  ALLOWED_ATTR: ["href", "title", "src", "alt", "align", "start", "type", "checked", "disabled"],
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  // http(s) and mailto, or no scheme at all (relative); safeUrl checks again below
  ALLOWED_URI_REGEXP: /^(?:(?:https?|mailto):|[^a-z]|[a-z+.-]+(?:[^a-z+.\-:]|$))/i,
};

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  for (const attr of ["href", "src"]) {
    if (node.hasAttribute(attr) && !safeUrl(node.getAttribute(attr))) node.removeAttribute(attr);
  }
  if (node.tagName === "A" && /^https?:/i.test(node.getAttribute("href") || "")) {
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
  // marked makes <input> only for task list items: a disabled checkbox, nothing else
  if (node.tagName === "INPUT") {
    if ((node.getAttribute("type") || "").toLowerCase() !== "checkbox") node.remove();
    else node.setAttribute("disabled", "");
  }
});

// Markdown text → sanitized HTML (a string).
export function markdownToSafeHTML(text) {
  return DOMPurify.sanitize(marked.parse(String(text || "")), PURIFY);
}

// THE ONE innerHTML OF THE APP. Everything else renders user text as text (Preact
// escapes it). Here the HTML comes from marked and is then sanitized by DOMPurify with
// the strict allowlist above, so no script, style or event handler from a user's text
// can reach the page; the page's Content-Security-Policy (no inline script) backs it up.
export function setMarkdown(element, text) {
  element.innerHTML = markdownToSafeHTML(text);
}

export function Markdown({ text, testid = "markdown" }) {
  const el = useRef(null);
  useEffect(() => { setMarkdown(el.current, text); }, [text]);
  return html`<div class="rf-md" data-testid=${testid} ref=${el}></div>`;
}
