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
  await Promise.all([worker.waitForURL(/notice=saved/), worker.click('button:has-text("Move")')]);
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

  // A commitment: an admin delivers Facilities' overdue timesheets with a file, Payroll's lead
  // sends them back with a reason, and the page shows both.
  const admin = await signIn(browser, 'bruno.park@northwind.example.com');
  await admin.goto(`${base}/teams/PAY/commitments`);
  const row = admin.locator('tr', { hasText: 'Facilities' }).locator('a', { hasText: 'Timesheets for the pay run' });
  await Promise.all([admin.waitForURL(/\/commitments\/\d+$/), row.first().click()]);
  const commitment = admin.url();
  const deliver = admin.locator('form[action$="/deliver"]').first();
  await deliver.locator('input[name=note]').fill('Timesheets for weeks 45 and 46');
  await deliver.locator('input[type=file]').setInputFiles({ name: 'timesheets.csv', mimeType: 'text/csv', buffer: Buffer.from('name,hours\nA,38\n') });
  await Promise.all([admin.waitForURL(/notice=delivered/), deliver.locator('button').click()]);
  check((await admin.content()).includes('timesheets.csv'), 'the delivered file is listed');
  const payroll = await signIn(browser, 'eva.andersen@northwind.example.com');
  await payroll.goto(commitment);
  const answer = payroll.locator('form[action$="/answer"]').first();
  await answer.locator('input[name=reason]').fill('Week 46 overtime is missing');
  await Promise.all([payroll.waitForURL(/notice=saved/), answer.locator('button[value=send_back]').click()]);
  const answered = await payroll.content();
  check(answered.includes('Sent back by Eva Andersen: Week 46 overtime is missing'), 'the send-back and its reason show');
  console.log('browser: commitment delivered and sent back ok');

  // The workload: Hugo's over-full week is marked, one click shows what is behind it, and time
  // off he adds is listed on his page. At phone width nothing scrolls sideways.
  await worker.goto(`${base}/teams/IT/workload`);
  const mine = worker.locator('tr', { hasText: 'Hugo Becker' }).locator('td.over a').first();
  // The cell's page lists the items behind it in its #items section.
  await mine.click();
  await worker.waitForSelector('#items');
  const behind = await worker.textContent('#items');
  check(behind.includes('Hugo Becker in the week of') && behind.includes('Network and desks for the third-floor move'), 'the items behind a cell show');
  await worker.setViewportSize({ width: 375, height: 800 });
  const wide = await worker.evaluate(() => document.documentElement.scrollWidth);
  check(wide <= 375, `the workload page fits a phone (${wide} px wide)`);
  await worker.goto(`${base}/people/${worker.url().match(/person=(\d+)/)[1]}`);
  await worker.fill('#off-starts', '2027-03-01');
  await worker.fill('#off-ends', '2027-03-05');
  await worker.fill('#off-note', 'Spring holiday');
  await worker.click('button:has-text("Add time off")');
  await worker.waitForSelector('#time-off >> text=Spring holiday');
  check((await worker.textContent('#time-off')).includes('Spring holiday'), 'the time off is listed');
  console.log('browser: workload and time off ok');
  console.log('browser: 3 passed, 0 failed');
} catch (e) {
  console.error(`browser: ${e.message}`);
  console.log('browser: some failed');
  process.exitCode = 1;
} finally {
  await browser.close();
}
