// Small shared pieces: field errors mapped from problem+json pointers, labelled inputs,
// a confirmation dialog, formatting.
import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);

let nextId = 0;
export function useId(prefix) {
  const ref = useRef(null);
  if (ref.current === null) ref.current = `${prefix}-${++nextId}`;
  return ref.current;
}

// Errors of a problem+json answer assigned to the form's fields: each error goes to the field
// whose pointer is the longest prefix of the error's pointer; the rest are "general".
export function assignErrors(errors, pointers) {
  const byField = {};
  const general = [];
  for (const e of errors || []) {
    const p = e.pointer || '';
    let best = null;
    for (const f of pointers) {
      if ((p === f || p.startsWith(f + '/')) && (best === null || f.length > best.length)) best = f;
    }
    if (best === null) general.push(e);
    else (byField[best] ||= []).push(e.pointer === best ? e.message : `${p.slice(best.length + 1)}: ${e.message}`);
  }
  return { byField, general };
}

// A labelled control with its hint and errors (aria-describedby, aria-invalid).
// `control` is called with the props the input needs.
export function Field({ label, hint, errors, control, className }) {
  const id = useId('f');
  const hintId = hint ? id + '-hint' : null;
  const errId = errors && errors.length ? id + '-err' : null;
  const described = [hintId, errId].filter(Boolean).join(' ') || undefined;
  return html`<div class=${'field ' + (className || '')}>
    <label for=${id}>${label}</label>
    ${control({ id, 'aria-describedby': described, 'aria-invalid': errId ? 'true' : undefined })}
    ${hint && html`<span class="hint" id=${hintId}>${hint}</span>`}
    ${errId && html`<span class="error" id=${errId} role="alert">${errors.join('; ')}</span>`}
  </div>`;
}

export function Errors({ problem, general }) {
  if (!problem) return null;
  return html`<div class="notice bad" role="alert" tabindex="-1">
    <strong>${problem.status ? `${problem.status} ` : ''}${problem.message || 'Error'}</strong>
    ${general && general.length > 0 && html`<ul>${general.map((e) => html`<li><code>${e.pointer || '/'}</code> ${e.message}</li>`)}</ul>`}
  </div>`;
}

// A modal confirmation (<dialog>, so focus is trapped and Escape cancels).
export function Confirm({ open, title, text, confirmLabel, onConfirm, onCancel }) {
  const ref = useRef(null);
  const cancel = useRef(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      d.showModal();
      cancel.current.focus();  // the safe choice first
    }
    if (!open && d.open) d.close();
  }, [open]);
  return html`<dialog ref=${ref} aria-labelledby="confirm-title" onCancel=${(e) => { e.preventDefault(); onCancel(); }}>
    <h3 id="confirm-title">${title}</h3>
    <p>${text}</p>
    <div class="actions">
      <button class="danger" onClick=${onConfirm}>${confirmLabel || 'Confirm'}</button>
      <button ref=${cancel} onClick=${onCancel}>Cancel</button>
    </div>
  </dialog>`;
}

export function useConfirm() {
  const [state, setState] = useState(null);
  const ask = (title, text, confirmLabel) =>
    new Promise((resolve) => setState({ title, text, confirmLabel, resolve }));
  const dialog = html`<${Confirm} open=${!!state} title=${state?.title} text=${state?.text}
    confirmLabel=${state?.confirmLabel}
    onConfirm=${() => { state.resolve(true); setState(null); }}
    onCancel=${() => { state.resolve(false); setState(null); }} />`;
  return [ask, dialog];
}

export function time(text) {
  if (!text) return '—';
  const d = new Date(text);
  return html`<time datetime=${text} title=${text}>${d.toLocaleString()}</time>`;
}

export function json(value) {
  return JSON.stringify(value, null, 2);
}

// Parses a JSON editor's text; throws {pointer, message} naming the field.
export function parseJson(text, pointer, { emptyAs } = {}) {
  if (text.trim() === '' && emptyAs !== undefined) return emptyAs;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw { pointer, message: 'is not valid JSON: ' + e.message };
  }
}

export function problemOf(error) {
  return { status: error.status, message: error.message, errors: error.errors || [] };
}

export function Badge({ kind, children }) {
  return html`<span class=${'badge ' + (kind || '')}>${children}</span>`;
}
