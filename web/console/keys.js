// API keys (admin only): create with scopes (the key is shown once), list, revoke.
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { Errors, Field, assignErrors, html, problemOf, time, useConfirm } from './ui.js';

const SCOPES = [
  ['read', 'read: triggers, events, stats'],
  ['write', 'write: change triggers, test firings, redeliver (includes read)'],
  ['fire', 'fire: fire api triggers'],
  ['admin', 'admin: everything, API keys included'],
];

export function ApiKeys() {
  const [items, setItems] = useState(null);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState(['read']);
  const [created, setCreated] = useState(null);
  const [problem, setProblem] = useState(null);
  const [ask, dialog] = useConfirm();
  const load = () => api('GET', '/api-keys').then((d) => setItems(d.items)).catch((e) => setProblem(problemOf(e)));
  useEffect(() => { load(); }, []);
  const { byField, general } = assignErrors(problem?.errors, ['/name', '/scopes']);

  async function create(e) {
    e.preventDefault();
    setProblem(null);
    setCreated(null);
    try {
      const k = await api('POST', '/api-keys', { name, scopes });
      setCreated(k);
      setName('');
      load();
    } catch (x) { setProblem(problemOf(x)); }
  }
  async function revoke(k) {
    if (!(await ask('Revoke this key?', `“${k.name}” (${k.key_prefix}…) stops working within seconds. This cannot be undone.`, 'Revoke'))) return;
    try { await api('DELETE', `/api-keys/${k.id}`); load(); } catch (x) { setProblem(problemOf(x)); }
  }
  const toggle = (s) => (e) => setScopes(e.target.checked ? [...scopes, s] : scopes.filter((x) => x !== s));
  return html`<h2>API keys</h2>
    <form class="panel" onSubmit=${create} aria-labelledby="newkey-title" novalidate>
      <h3 id="newkey-title">New key</h3>
      <${Errors} problem=${problem} general=${general} />
      <${Field} label="Name" errors=${byField['/name']} control=${(p) => html`<input ...${p} value=${name} onInput=${(e) => setName(e.target.value)} autocomplete="off" />`} />
      <fieldset><legend>Scopes</legend><div class="checks">
        ${SCOPES.map(([s, l]) => html`<label><input type="checkbox" checked=${scopes.includes(s)} onChange=${toggle(s)} /> ${l}</label>`)}
      </div>${byField['/scopes'] && html`<p class="error" role="alert">${byField['/scopes'].join('; ')}</p>`}</fieldset>
      <div class="actions"><button class="primary" type="submit">Create key</button></div>
      ${created && html`<div class="notice ok" role="status"><p>Key “${created.name}” (${created.scopes.join(', ')}), shown this once:</p>
        <p class="secret" data-testid="new-key">${created.key}</p></div>`}
    </form>
    ${items && html`<div class="table-wrap"><table class="stack">
      <thead><tr><th scope="col">Name</th><th scope="col">Scopes</th><th scope="col">Prefix</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">State</th></tr></thead>
      <tbody>${items.map((k) => html`<tr>
        <td data-label="Name">${k.name}</td><td data-label="Scopes">${k.scopes.join(', ')}</td><td data-label="Prefix"><code>${k.key_prefix}</code></td>
        <td data-label="Created">${time(k.created_at)}</td><td data-label="Last used">${time(k.last_used_at)}</td>
        <td data-label="State">${k.revoked_at ? html`revoked ${time(k.revoked_at)}` : html`<button class="danger" onClick=${() => revoke(k)} aria-label=${'Revoke key ' + k.name}>Revoke</button>`}</td></tr>`)}
      </tbody></table></div>`}
    ${dialog}`;
}
