import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { Session } from './api/session';
import { initI18n, pickLanguage } from './i18n';
import { installStyleNonce } from './app/styleNonce';
import './app/app.css';

// The server puts a fresh nonce here in every answer of index.html; its
// content security policy allows style elements with it only (the component
// library inserts its styles at run time).
const nonce = document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content ?? '';
installStyleNonce(nonce);

initI18n(pickLanguage(null, navigator.languages));
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App session={new Session()} baseUrl={window.location.origin} nonce={nonce} />
  </StrictMode>,
);
