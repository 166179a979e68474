// Opens an audit HTML report (file or URL) in headless Chromium through Playwright and checks
// what a reviewer relies on: the matrix renders, searching by user narrows it, a planted
// home-and-abroad day is red, and a cell opens its sessions. Keeps a screenshot.
// usage: node report_check.js <report.html | http://...> <screenshot.png> <user> <red-day>
const { chromium } = require('playwright-core');

async function main() {
  const [target, screenshot, user, redDay] = process.argv.slice(2);
  const url = target.startsWith('http') ? target : 'file://' + require('path').resolve(target);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(url);
  await page.waitForSelector('#matrix tr[data-user]');
  const rowsBefore = await page.locator('#matrix tr[data-user]').count();
  await page.fill('#user', user);
  const rowsAfter = await page.locator('#matrix tr[data-user]').count();
  const red = page.locator(`#matrix tr[data-user="${user}"] td.both[data-day="${redDay}"]`);
  const redCount = await red.count();
  if (redCount > 0) await red.first().click();
  const sessionRows = await page.locator('#sessions table tr').count();
  await page.screenshot({ path: screenshot, fullPage: true });
  await browser.close();
  const failures = [];
  if (errors.length) failures.push('page errors: ' + errors.join('; '));
  if (rowsBefore < 2) failures.push(`matrix has ${rowsBefore} rows`);
  if (rowsAfter < 1 || rowsAfter >= rowsBefore) {
    failures.push(`search did not narrow the matrix (${rowsBefore} -> ${rowsAfter})`);
  }
  if (redCount !== 1) failures.push(`no red cell for ${user} on ${redDay}`);
  if (sessionRows < 3) failures.push(`the red cell opened ${sessionRows - 1} sessions`);
  console.log(`rows ${rowsBefore} -> ${rowsAfter}, red cells ${redCount}, session rows ${sessionRows - 1}`);
  if (failures.length) {
    console.error(failures.join('\n'));
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
