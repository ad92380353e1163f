// A second (or third) bot process on a shared store, for the store tests: opens STORE_URL, runs one batch of
// operations concurrently, prints {"ok":…} or {"error":…} as one JSON line and exits.
// usage: node --import tsx test/helpers/store-process.ts URL open|vote|save FIRST COUNT
import { Stores } from '../../src/core/stores.js';

const [url, mode, first = '0', count = '0'] = process.argv.slice(2);
const ids = Array.from({ length: Number(count) }, (_, i) => Number(first) + i);
const silent = { info: () => {}, error: () => {} };

try {
  const stores = await Stores.open(url, { log: silent });
  if (mode === 'vote') await Promise.all(ids.map((i) => stores.vote('s1', 'domain-1', `user-${i}`, 1)));
  if (mode === 'save')
    await Promise.all(
      ids.map((i) =>
        stores.saveDomain({
          name: `d${i}`,
          serverId: 's1',
          pack: 'p',
          domain: '',
          domainId: `id${i}`,
          prompt: 'p',
          creatorId: 'u',
          creatorName: 'U',
          createdAt: i,
        }),
      ),
    );
  if (mode === 'settings') await stores.updateSettings('s1', first === 'a' ? { blocklist: ['from-a'] } : { userJobCap: 7 });
  await stores.close();
  console.log(JSON.stringify({ ok: true }));
} catch (e) {
  console.log(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }));
  process.exitCode = 1;
}
