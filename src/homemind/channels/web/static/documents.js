// The documents page: search the household's library, and (adults and admins) upload
// and remove documents. The hub decides who may read and change what; a member who may
// not manage documents simply gets no upload form and no remove buttons, and the API
// refuses them anyway.
import { html, useState } from './ui.js';
import { api } from './api.js';
import { Page, useAct, useLoad } from './pages.js';

const manages = (me) => Boolean(me) && (me.role === 'admin' || me.role === 'adult');
const ACCEPT = '.md,.markdown,.txt,.text,.html,.htm,.pdf';

function Results({ results, t }) {
  if (results === null) return null;
  if (results.length === 0) return html`<p class="hint" role="status">${t('documents.no_results')}</p>`;
  return html`<ol class="items results" aria-label=${t('documents.results')}>
    ${results.map(
      (hit, i) => html`<li key=${i} data-result=${i}>
        <div>
          <strong>${hit.title}</strong> ${hit.section}
          ${hit.page ? html` <span class="hint">${t('documents.page', { page: hit.page })}</span>` : ''}
          ${hit.chapter ? html`<div class="hint">${hit.chapter}</div>` : ''}
          <p class="passage">${hit.text}</p>
        </div>
      </li>`,
    )}
  </ol>`;
}

function Upload({ t, act, setError }) {
  const [file, setFile] = useState(null);
  const [only, setOnly] = useState(false);
  const [busy, setBusy] = useState(false);
  return html`<form
    class="row upload"
    onSubmit=${async (event) => {
      event.preventDefault();
      if (!file) return;
      setError(null);
      setBusy(true);
      const form = event.currentTarget;
      await act(() => api.addDocument(file, only));
      setBusy(false);
      setFile(null);
      form.reset();
    }}
  >
    <label for="document-file">${t('documents.file')}</label>
    <input id="document-file" type="file" accept=${ACCEPT} onChange=${(e) => setFile(e.currentTarget.files[0] || null)} />
    <label class="check"><input type="checkbox" checked=${only} onChange=${(e) => setOnly(e.currentTarget.checked)} />
      ${t('documents.private')}</label>
    <button type="submit" disabled=${!file || busy}>${busy ? t('documents.adding') : t('documents.add')}</button>
  </form>`;
}

export function DocumentsView({ t, version, me }) {
  const { data, error: loadError, reload } = useLoad(api.documents, version, t);
  const [error, setError] = useState(null);
  const [question, setQuestion] = useState('');
  const [results, setResults] = useState(null);
  const act = useAct(reload, setError, t);
  const documents = data || [];
  const who = (readers) => (readers === 'household' ? t('documents.household') : t('documents.only', { member: readers }));

  return html`<${Page} title=${t('nav.documents')} error=${error || loadError}>
    <form
      class="row search"
      role="search"
      onSubmit=${(event) => {
        event.preventDefault();
        const text = question.trim();
        if (!text) return;
        setError(null);
        act(async () => setResults((await api.searchDocuments(text)).results));
      }}
    >
      <label for="document-question">${t('documents.question')}</label>
      <input id="document-question" type="search" maxlength="1000" autocomplete="off" value=${question}
        onInput=${(e) => setQuestion(e.currentTarget.value)} />
      <button type="submit">${t('documents.search')}</button>
    </form>
    <${Results} results=${results} t=${t} />
    ${manages(me) && html`<${Upload} t=${t} act=${act} setError=${setError} />`}
    <h3 id="documents-heading">${t('documents.library', { count: documents.length })}</h3>
    <ul class="items" aria-labelledby="documents-heading">
      ${documents.map(
        (doc) => html`<li key=${doc.id} data-document=${doc.id}>
          <span class="item-text">${doc.title}</span>
          <span class="hint">${t(`documents.kind.${doc.kind}`)} · ${who(doc.readers)}</span>
          ${manages(me) &&
          html`<button type="button" aria-label=${t('documents.remove_named', { title: doc.title })}
            onClick=${() => act(() => api.removeDocument(doc.id)).then(() => setResults(null))}>${t('documents.remove')}</button>`}
        </li>`,
      )}
    </ul>
  </${Page}>`;
}
