// The console's shell: sign-in with an API key, navigation by URL hash, and the views. The
// key's scopes (GET /api/v1/whoami) decide which views and buttons exist.
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { abilities, api, onAuthFailure, session } from './api.js';
import { html, useId } from './ui.js';
import { TriggerList, TriggerForm, TriggerDetail } from './triggers.js';
import { EventList, EventDetail, Aggregate } from './events.js';
import { ApiKeys } from './keys.js';

function useHash() {
  const [hash, setHash] = useState(location.hash || '#/triggers');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/triggers');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function SignIn({ reason, onSignedIn }) {
  const id = useId('key');
  const [key, setKey] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const input = useRef(null);
  useEffect(() => input.current && input.current.focus(), []);
  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const who = await api('GET', '/whoami', undefined, { key: key.trim(), noAuthRedirect: true });
      session.set(key.trim());
      onSignedIn(who.scopes);
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }
  return html`<main id="main" class="signin">
    <h1>Event Trigger Platform</h1>
    <form class="panel" onSubmit=${submit} aria-labelledby="signin-title">
      <h2 id="signin-title">Sign in</h2>
      ${reason && html`<p class="notice bad" role="alert">${reason}</p>`}
      <div class="field">
        <label for=${id}>API key</label>
        <input id=${id} ref=${input} type="password" autocomplete="off" required value=${key}
          aria-describedby=${id + '-hint'} aria-invalid=${error ? 'true' : undefined}
          onInput=${(e) => setKey(e.target.value)} />
        <span class="hint" id=${id + '-hint'}>Kept in this tab only (sessionStorage) and sent as X-API-Key.</span>
        ${error && html`<span class="error" role="alert">${error}</span>`}
      </div>
      <button class="primary" type="submit" disabled=${busy}>Sign in</button>
    </form>
  </main>`;
}

function Nav({ hash, can }) {
  const items = [];
  if (can.read) items.push(['#/triggers', 'Triggers'], ['#/events', 'Events'], ['#/aggregate', 'Per trigger']);
  if (can.admin) items.push(['#/keys', 'API keys']);
  return html`<nav aria-label="Sections"><ul>
    ${items.map(([href, label]) => html`<li><a href=${href}
      aria-current=${hash === href || hash.startsWith(href + '/') ? 'page' : undefined}>${label}</a></li>`)}
  </ul></nav>`;
}

function View({ hash, can }) {
  const parts = hash.replace(/^#\/?/, '').split('?')[0].split('/');
  const [section, id, sub] = parts;
  if (!can.read) {
    return html`<p class="notice">This key may only fire triggers (scope <code>fire</code>); it cannot read them here.</p>`;
  }
  switch (section) {
    case 'triggers':
      if (id === 'new') return can.write ? html`<${TriggerForm} can=${can} />` : null;
      if (id && sub === 'edit') return can.write ? html`<${TriggerForm} id=${id} can=${can} />` : null;
      if (id) return html`<${TriggerDetail} id=${id} can=${can} key=${id} />`;
      return html`<${TriggerList} can=${can} />`;
    case 'events':
      if (id) return html`<${EventDetail} id=${id} can=${can} key=${id} />`;
      return html`<${EventList} can=${can} />`;
    case 'aggregate':
      return html`<${Aggregate} />`;
    case 'keys':
      return can.admin ? html`<${ApiKeys} />` : null;
    default:
      return html`<p>Nothing here. <a href="#/triggers">Triggers</a></p>`;
  }
}

function App() {
  const hash = useHash();
  const [scopes, setScopes] = useState(null);
  const [reason, setReason] = useState(null);
  const [checking, setChecking] = useState(!!session.key());

  function signOut(why) {
    session.clear();
    setScopes(null);
    setReason(why || null);
  }
  onAuthFailure((error) =>
    signOut(error.status === 403
      ? `The key was refused (403): ${error.message}. Sign in with a key that has the scope.`
      : `Signed out (401): ${error.message}.`));

  useEffect(() => {
    if (!session.key()) return;
    api('GET', '/whoami').then((who) => setScopes(who.scopes)).catch(() => {}).finally(() => setChecking(false));
  }, []);

  // Focus the main heading after navigation, so keyboard and screen reader users land on it.
  useEffect(() => {
    const h = document.querySelector('main h2');
    if (h) { h.setAttribute('tabindex', '-1'); h.focus({ preventScroll: true }); }
  }, [hash.split('?')[0], scopes]);

  if (checking) return html`<p class="loading">Checking the key…</p>`;
  if (!scopes) return html`<${SignIn} reason=${reason} onSignedIn=${(s) => { setReason(null); setScopes(s); }} />`;
  const can = abilities(scopes);
  return html`<a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main').focus(); }}>Skip to content</a>
    <header class="top">
      <h1>Event Trigger Platform</h1>
      <${Nav} hash=${hash} can=${can} />
      <div class="who"><span>Key scopes: <strong data-testid="scopes">${scopes.join(', ')}</strong></span>
        <button onClick=${() => signOut(null)}>Sign out</button></div>
    </header>
    <main id="main" tabindex="-1"><${View} hash=${hash} can=${can} /></main>`;
}

const root = document.getElementById('app');
root.textContent = '';  // the "Loading" placeholder
render(html`<${App} />`, root);
