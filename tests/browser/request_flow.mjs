// The flow people use most, in a real browser against the demo organisation:
// a requester files a form, an agent replies, notes and resolves, the requester sees the reply
// and never the note. Usage: node request_flow.mjs http://127.0.0.1:PORT
import { chromium } from 'playwright-core';

const base = process.argv[2] ?? 'http://127.0.0.1:8080';
const requester = 'zoe.rahman@northwind.example.com';
const agent = 'hugo.becker@northwind.example.com';
const password = 'concentric-demo';
const note = `Internal only ${Date.now()}`;
const reply = 'We are on it: a new charger is on its way.';

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function signIn(browser, email) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]')]);
  return page;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
});
try {
  // The requester files an incident through the service's form.
  const asker = await signIn(browser, requester);
  await asker.goto(`${base}/teams/IT/services/incident`);
  await asker.fill('#subject', 'Laptop will not charge');
  await asker.fill('#f-what', 'The charger light stays off');
  await asker.selectOption('#f-impact', 'Just me');
  await Promise.all([asker.waitForURL(/\/requests\/IT-\d+/), asker.click('text=File request')]);
  const key = asker.url().match(/IT-\d+/)[0];
  check((await asker.textContent('h1')).includes('Laptop will not charge'), 'the request page shows the subject');

  // The agent replies, adds an internal note and resolves.
  const worker = await signIn(browser, agent);
  await worker.goto(`${base}/requests/${key}`);
  await worker.fill('#body', reply);
  await Promise.all([worker.waitForURL(/notice=replied/), worker.click('text=Send')]);
  await worker.fill('#body', note);
  await worker.check('input[name=kind][value=note]');
  await Promise.all([worker.waitForURL(/notice=noted/), worker.click('text=Send')]);
  await worker.selectOption('select[name=status]', 'resolved');
  await Promise.all([worker.waitForURL(/notice=saved/), worker.click('text=Move')]);
  check((await worker.content()).includes(note), 'the agent sees the note');

  // The requester sees the reply and the resolution, never the note.
  await asker.goto(`${base}/requests/${key}`);
  const seen = await asker.content();
  check(seen.includes(reply), 'the requester sees the reply');
  check(seen.includes('Resolved'), 'the requester sees the request resolved');
  check(!seen.includes(note), 'the requester never sees the internal note');
  await asker.goto(`${base}/notifications`);
  check((await asker.content()).includes(`replied on ${key}`), 'the requester was notified of the reply');
  console.log(`browser: request flow on ${key} ok`);
  console.log('browser: 1 passed, 0 failed');
} catch (e) {
  console.error(`browser: ${e.message}`);
  console.log('browser: 0 passed, 1 failed');
  process.exitCode = 1;
} finally {
  await browser.close();
}
