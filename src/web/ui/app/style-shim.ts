/**
 * xterm.js writes its theme and cell metrics into <style> elements it creates; the page's CSP
 * (style-src 'self') refuses inline <style>. Constructed style sheets are not inline markup, so
 * each <style> the page creates is backed by one (adoptedStyleSheets): same rules, strict CSP.
 * Must run before xterm.js is used.
 */
export function installStyleShim(): void {
  const create = document.createElement.bind(document);
  const sheets = new Map<HTMLStyleElement, CSSStyleSheet>();
  const adopt = (el: HTMLStyleElement, css: string) => {
    let sheet = sheets.get(el);
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheets.set(el, sheet);
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    }
    sheet.replaceSync(css);
  };
  document.createElement = ((tag: string, opts?: ElementCreationOptions) => {
    const el = create(tag, opts);
    if (tag.toLowerCase() !== "style") return el;
    const style = el as HTMLStyleElement;
    for (const prop of ["textContent", "innerText", "innerHTML"] as const) {
      Object.defineProperty(style, prop, {
        get: () => "",
        set: (v: string | null) => adopt(style, v ?? ""),
        configurable: true,
      });
    }
    const remove = style.remove.bind(style);
    style.remove = () => {
      const sheet = sheets.get(style);
      if (sheet) document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== sheet);
      sheets.delete(style);
      remove();
    };
    return style;
  }) as typeof document.createElement;
}
