// The person of the value-entry page, for the client tests that play one
// without a browser: opens the link a tool result shows (as the model would
// show it) and submits a value on its page as a browser's form does. The
// browser tests (entry-page.mjs, elicitation-person.mjs) use chromium instead.

/**
 * The person: opens the value-entry link that a tool result's `text` shows
 * (as the model would show it), and submits `value` on its page from the
 * page's origin, as a browser does. Throws unless the page took it (200).
 */
export async function typeOnPage(text, value) {
  const link = /https?:\/\/[^\s"/]+\/entry\/[A-Za-z0-9_-]+/.exec(text ?? '')?.[0];
  if (!link) throw new Error(`no link in the tool result: ${(text ?? '').slice(0, 300)}`);
  const page = await fetch(link);
  const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(await page.text())?.[1];
  if (page.status !== 200 || !csrf) throw new Error(`the page answered ${page.status} without a form`);
  const submitted = await fetch(link, {
    method: 'POST',
    redirect: 'manual',
    headers: { Origin: new URL(link).origin, 'Sec-Fetch-Site': 'same-origin',
               'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, value }).toString(),
  });
  await submitted.text();
  if (submitted.status !== 200) throw new Error(`the page answered ${submitted.status} to the value`);
}
