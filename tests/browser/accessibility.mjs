// Accessibility of the main pages, in a real browser against the demo organisation: axe-core's
// WCAG 2 A and AA rules find nothing, and nothing scrolls sideways at 375 px (a table or chart
// may scroll inside its own box). Usage: node accessibility.mjs http://127.0.0.1:PORT
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
  '/teams/IT/calendar', '/teams/IT/feedback', '/admin/import', '/admin/mail', '/admin/webhooks',
];

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
  }
} finally {
  await browser.close();
}
console.log(`accessibility: ${pages.length} pages at 1366 and 375 px, ${failed} ${failed === 1 ? "problem" : "problems"}`);
process.exitCode = failed > 0 ? 1 : 0;
