// Single sign-on in a real browser: the sign-in page's button, the company's provider (the
// certified oidc-provider package, started by run.sh), back signed in, the session listed with how
// it began, and signing out at the provider too. Usage: node sso_flow.mjs http://127.0.0.1:PORT
import { chromium } from 'playwright-core';

const base = process.argv[2] ?? 'http://127.0.0.1:8080';

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${base}/teams`);
  await page.click('text=Sign in with Northwind login');
  // The provider's own sign-in form, on its own origin.
  await page.waitForSelector('input[name=login]');
  check(!page.url().startsWith(base), `the provider's page is elsewhere: ${page.url()}`);
  await page.fill('input[name=login]', 'zoe');
  await Promise.all([page.waitForURL(`${base}/teams`), page.click('text=Sign in')]);
  const avatar = await page.getAttribute('a.avatar', 'title');
  check(avatar === 'Your account: Zoe Rahman', `signed in as Zoe, back where she started: ${avatar}`);

  await page.goto(`${base}/account`);
  const sessions = await page.textContent('#sessions');
  check(sessions.includes('(sso)') && sessions.includes('this browser'), `the session says how it began: ${sessions}`);

  // Signing out here also ends the provider's session: its confirmation, then back to sign-in.
  await Promise.all([page.waitForURL(/\/session\/end/), page.click('form[action="/logout"] button')]);
  await Promise.all([page.waitForURL(`${base}/login`), page.click('button[autofocus], button[type=submit]')]);
  await page.goto(`${base}/account`);
  check(page.url().startsWith(`${base}/login`), 'signed out');
  console.log('sso flow: signed in through the provider, session listed, signed out at both ends');
} finally {
  await browser.close();
}
