// The public web player: the public mounts with an <audio> player each and their now-playing title.
// Built from the registry on request; served at / on the web and stream ports.
import type { MountRegistry } from '../mounts/mount-registry.ts';
import { xmlEscape, type ServerFacts } from './status.ts';

export function webPlayerPage(registry: MountRegistry, facts: ServerFacts, streamBaseUrl: string): string {
  const mounts = registry.all().filter((m) => !m.settings.hidden && !m.settings.private);
  const rows = mounts
    .map((m) => {
      const feed = registry.resolveFeed(m.path, null);
      const state = !feed ? 'off air' : feed === m ? 'on air' : 'fallback';
      const name = m.settings.name ?? (m.info.name || m.path);
      return `<section aria-label="${xmlEscape(name)}">
  <h2>${xmlEscape(name)} <small>${xmlEscape(m.path)} · ${state}</small></h2>
  <p class="title" data-mount="${xmlEscape(m.path)}">${xmlEscape(m.title)}</p>
  ${feed ? `<audio controls preload="none" src="${xmlEscape(streamBaseUrl + m.path)}" aria-label="Play ${xmlEscape(name)}"></audio>` : '<p>Nothing is playing right now.</p>'}
</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${xmlEscape(facts.name)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}section{border-bottom:1px solid #ddd;padding:1rem 0}small{color:#666;font-weight:normal}audio{width:100%}</style>
</head><body>
<h1>${xmlEscape(facts.name)}</h1>
${rows || '<p>No public streams are configured.</p>'}
<script>
setInterval(async () => {
  try {
    const status = await (await fetch('/status.json')).json();
    for (const m of status.mounts) {
      const el = document.querySelector('.title[data-mount="' + m.path + '"]');
      if (el) el.textContent = m.title;
    }
  } catch (err) {
    console.debug('now-playing poll failed; the next one in 10 s tries again', err);
  }
}, 10000);
</script>
</body></html>
`;
}
