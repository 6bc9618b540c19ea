// Accessibility of the main pages, in a real browser against the demo organisation: axe-core's
// WCAG 2 A and AA rules find nothing, nothing scrolls sideways at 375 px (a table or chart
// may scroll inside its own box), and the first stops of the keyboard path show a focus ring of
// 3:1 or better against the page. Usage: node accessibility.mjs http://127.0.0.1:PORT
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');
const base = process.argv[2] ?? 'http://127.0.0.1:8080';
const pages = [
  '/', '/teams/IT', '/teams/IT/network', '/network', '/teams/PAY/commitments', '/reports/compliance',
  '/services', '/teams/IT/queue', '/requests', '/search?q=laptop', '/account', '/teams/IT/workload',
  '/workload', '/teams/IT/forecast', '/network/IT/SAL', '/teams', '/people', '/people/9',
  '/teams/IT/services/laptop', '/requests/IT-1', '/notifications', '/goals', '/surveys', '/teams/IT/reviews',
  '/teams/IT/calendar', '/teams/IT/feedback', '/admin/import', '/admin/mail', '/admin/webhooks', '/admin/audit', '/admin/provisioning', '/news', '/news/1', '/teams/IT/news/new',
  '/meetings', '/meetings/1', '/meetings/3', '/meetings/1/edit', '/teams/IT/meetings/new',
  '/thanks', '/thanks/1', '/thanks/new',
  '/placements', '/placements/1', '/placements/2', '/placements/new', '/week',
];

/** How many Tab presses each page's focus check walks. */
const TAB_STOPS = 12;

/** In the page: the focused element's ring, as [what, contrast against the page, width in px]. */
function focusRing() {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const rgb = (c) => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const contrast = (a, b) => {
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  // Links in the network pictures ring their circle instead of an outline.
  const svgCircle = el.ownerSVGElement ? el.querySelector('circle') : null;
  const style = getComputedStyle(svgCircle ?? el);
  const color = svgCircle ? style.stroke : style.outlineColor;
  const width = svgCircle ? parseFloat(style.strokeWidth) : style.outlineStyle === 'none' ? 0 : parseFloat(style.outlineWidth);
  // The page behind the ring: the nearest ancestor with a background, else the body's.
  let bg = null;
  for (let n = el.parentElement; n && !bg; n = n.parentElement) {
    const b = getComputedStyle(n).backgroundColor;
    if (b && !b.startsWith('rgba(0, 0, 0, 0)') && b !== 'transparent') bg = b;
  }
  bg ??= getComputedStyle(document.body).backgroundColor;
  const what = `${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 30)}"`;
  return [what, contrast(rgb(color), rgb(bg)), width];
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
});
let failed = 0;
try {
  // axe-core is injected as an inline script, which the pages' CSP rightly refuses.
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.fill('#email', 'bruno.park@northwind.example.com');
  await page.fill('#password', 'concentric-demo');
  await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]')]);
  for (const path of pages) {
    for (const width of [1366, 375]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${base}${path}`);
      await page.addScriptTag({ path: axePath });
      const result = await page.evaluate(() =>
        window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
      );
      for (const v of result.violations) {
        failed += 1;
        const where = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ');
        console.error(`a11y: ${path} at ${width} px: ${v.id} (${v.impact}, ${v.nodes.length}×): ${v.help} — ${where}`);
      }
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      if (wide > width) {
        failed += 1;
        console.error(`a11y: ${path} at ${width} px scrolls sideways (${wide} px wide)`);
      }
    }
    // The header's stops are the same on every page: walk them on the first, and past the skip
    // link into the content on every page.
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.goto(`${base}${path}`);
    if (path !== pages[0]) {
      // Where the skip link leads: Tab goes on from the start of the content.
      await page.evaluate(() => {
        const main = document.getElementById('main');
        main.setAttribute('tabindex', '-1');
        main.focus();
      });
    }
    for (let i = 0; i < TAB_STOPS; i += 1) {
      await page.keyboard.press('Tab');
      const ring = await page.evaluate(focusRing);
      if (!ring) continue;
      const [what, contrast, px] = ring;
      if (px < 2 || contrast < 3) {
        failed += 1;
        console.error(`a11y: ${path}: focus on ${what} is hard to see (${px} px ring at ${contrast.toFixed(2)}:1)`);
      }
    }
  }
} finally {
  await browser.close();
}
console.log(`accessibility: ${pages.length} pages at 1366 and 375 px, ${TAB_STOPS} focus stops each, ${failed} ${failed === 1 ? "problem" : "problems"}`);
process.exitCode = failed > 0 ? 1 : 0;
