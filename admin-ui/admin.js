// @ts-check
/**
 * The admin's Salesforce page: sign in with a bearer token (passed in the URL fragment, or typed), then either the
 * connect form or the connection panel with the synced-field picker. Everything it shows comes from the public
 * GraphQL API; every text is set with textContent, never parsed as HTML.
 */
import {
  ApiError,
  CONNECT_MUTATION,
  CONNECTION_QUERY,
  DISCONNECT_MUTATION,
  FIELD_OPTIONS_QUERY,
  graphql,
  SET_FIELDS_MUTATION,
  TEST_MUTATION,
} from './api.js';

/**
 * @typedef {import('./api.js').Connection} Connection
 * @typedef {import('./api.js').ConnectionPayload} ConnectionPayload
 * @typedef {import('./api.js').FieldOption} FieldOption
 * @typedef {import('./api.js').UserError} UserError
 */

const CONNECT_FIELDS = /** @type {const} */ (['consumerKey', 'consumerSecret', 'instanceUrl', 'apiVersion']);
const DEFAULT_API_VERSION = 'v60.0';

/** The admin's token: in this variable only, for as long as the tab lives. */
/** @type {string | null} */
let token = null;

// ─── DOM helpers ───────────────────────────────────────────────────────────────────────────────────────────────

/** @param {string} id @returns {HTMLElement} */
function element(id) {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`admin page: #${id} is missing`);
  return found;
}

/** @param {string} id @returns {HTMLInputElement} */
const input = (id) => /** @type {HTMLInputElement} */ (element(id));
/** @param {string} id @returns {HTMLButtonElement} */
const button = (id) => /** @type {HTMLButtonElement} */ (element(id));

/** Shows the element with this text, or hides it when the text is empty. @param {HTMLElement} target @param {string} text */
function showText(target, text) {
  target.textContent = text;
  target.hidden = text === '';
}

/** One polite announcement for what just happened (saved, tested, disconnected). @param {string} text */
function announce(text) {
  element('page-status').textContent = text;
}

/** Only one of the page's main sections at a time (the field picker goes with the connection panel). @param {'sign-in' | 'connect' | 'connection' | 'none'} view */
function showView(view) {
  element('loading').hidden = true;
  element('sign-in').hidden = view !== 'sign-in';
  element('connect').hidden = view !== 'connect';
  element('connection').hidden = view !== 'connection';
  element('fields').hidden = view !== 'connection';
  element('sign-out').hidden = view === 'sign-in' || token === null;
}

/**
 * Runs `work` with the button disabled (and the form marked busy) so a second click cannot send it twice.
 * @template T @param {HTMLButtonElement} target @param {string} busyLabel @param {() => Promise<T>} work @returns {Promise<T>}
 */
async function whileBusy(target, busyLabel, work) {
  const label = target.textContent ?? '';
  target.disabled = true;
  target.textContent = busyLabel;
  target.form?.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    target.disabled = false;
    target.textContent = label;
    target.form?.removeAttribute('aria-busy');
  }
}

// ─── Errors that are not the form's ─────────────────────────────────────────────────────────────────────────────

/**
 * A refused token sends the admin back to sign in; anything else is shown at the top of the page.
 * @param {unknown} error
 */
function handleApiError(error) {
  if (error instanceof ApiError && error.code === 'UNAUTHENTICATED') {
    signOut(`This token was refused: ${error.message}`);
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  showText(element('page-error'), message);
}

// ─── Sign in ───────────────────────────────────────────────────────────────────────────────────────────────────

/** The token handed over in the URL fragment (`#token=…`), removed from the address bar at once. */
function takeTokenFromFragment() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const fragmentToken = params.get('token');
  if (fragmentToken !== null) history.replaceState(null, '', window.location.pathname + window.location.search);
  return fragmentToken === null || fragmentToken.trim() === '' ? null : fragmentToken.trim();
}

/** @param {string} [reason] */
function signOut(reason = '') {
  token = null;
  input('token').value = '';
  resetConnectForm();
  showText(element('token-error'), reason);
  input('token').setAttribute('aria-invalid', String(reason !== ''));
  showView('sign-in');
  input('token').focus();
}

/** @param {string} given */
async function signIn(given) {
  token = given;
  showText(element('page-error'), '');
  await loadConnection();
}

// ─── Connection ────────────────────────────────────────────────────────────────────────────────────────────────

async function loadConnection() {
  if (token === null) return;
  try {
    const data = /** @type {{ salesforceConnection: Connection | null }} */ (await graphql(token, CONNECTION_QUERY));
    if (data.salesforceConnection === null) {
      showConnectForm();
    } else {
      showConnection(data.salesforceConnection);
      await loadFieldOptions(data.salesforceConnection);
    }
  } catch (error) {
    handleApiError(error);
  }
}

/** @param {string | null} iso */
function formatTime(iso) {
  if (iso === null) return 'Never';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** @param {Connection} connection */
function renderConnection(connection) {
  const status = element('c-status');
  status.textContent = connection.status;
  status.className = `badge badge-${connection.status.toLowerCase()}`;
  element('c-instanceUrl').textContent = connection.instanceUrl;
  element('c-apiVersion').textContent = connection.apiVersion;
  element('c-consumerKeyHint').textContent = connection.consumerKeyHint;
  element('c-orgId').textContent = connection.orgId ?? 'Unknown';
  element('c-lastValidatedAt').textContent = formatTime(connection.lastValidatedAt);
  element('c-lastError').textContent = connection.lastError ?? 'None';
  renderUsage(connection.apiUsage);
}

/** Used / max as a meter, and in words for everyone. @param {import('./api.js').ApiUsage | null} usage */
function renderUsage(usage) {
  const meter = /** @type {HTMLMeterElement} */ (element('c-usage-meter'));
  const text = element('c-usage-text');
  if (usage === null || usage.max <= 0) {
    meter.hidden = true;
    text.textContent = 'Not known yet: shown after the next call to Salesforce.';
    return;
  }
  meter.hidden = false;
  meter.max = usage.max;
  meter.value = usage.used;
  meter.low = usage.max * 0.75;
  meter.high = usage.max * 0.9;
  meter.optimum = 0;
  const percent = ((usage.used / usage.max) * 100).toFixed(1);
  text.textContent = `${usage.used.toLocaleString()} of ${usage.max.toLocaleString()} used (${percent}%)`;
}

/** @param {Connection} connection */
function showConnection(connection) {
  renderConnection(connection);
  showText(element('connection-message'), '');
  showView('connection');
}

async function testConnection() {
  if (token === null) return;
  const message = element('connection-message');
  showText(message, '');
  await whileBusy(button('test-button'), 'Testing…', async () => {
    try {
      const data = /** @type {{ testSalesforceConnection: ConnectionPayload }} */ (await graphql(token ?? '', TEST_MUTATION));
      const { connection, userErrors } = data.testSalesforceConnection;
      if (connection !== null) renderConnection(connection);
      if (userErrors.length > 0) {
        message.className = 'alert alert-error';
        showText(message, userErrors.map((e) => e.message).join(' '));
      } else {
        announce('The connection works: Salesforce accepted the stored credentials.');
      }
    } catch (error) {
      handleApiError(error);
    }
  });
}

function askToDisconnect() {
  const dialog = /** @type {HTMLDialogElement} */ (element('disconnect-dialog'));
  dialog.showModal();
}

async function disconnect() {
  const dialog = /** @type {HTMLDialogElement} */ (element('disconnect-dialog'));
  dialog.close();
  if (token === null) return;
  await whileBusy(button('disconnect-button'), 'Disconnecting…', async () => {
    try {
      await graphql(token ?? '', DISCONNECT_MUTATION);
      showConnectForm();
      announce('Salesforce is disconnected. The stored credentials were deleted.');
      element('connect-title').focus();
    } catch (error) {
      handleApiError(error);
    }
  });
}

// ─── Connect form ──────────────────────────────────────────────────────────────────────────────────────────────

/** Empty fields (the API version back to its default) and no errors: the secret is never filled back. */
function resetConnectForm() {
  for (const name of CONNECT_FIELDS) input(name).value = name === 'apiVersion' ? DEFAULT_API_VERSION : '';
  clearConnectErrors();
}

function showConnectForm() {
  resetConnectForm();
  showView('connect');
}

function clearConnectErrors() {
  showText(element('connect-error'), '');
  for (const name of CONNECT_FIELDS) {
    showText(element(`${name}-error`), '');
    input(name).removeAttribute('aria-invalid');
  }
}

/**
 * Each error beside the field its path names (['input', 'consumerSecret']); the others at the top of the form.
 * Focus goes to the first field at fault, whose error is read with it (aria-describedby), or to the top message.
 * @param {UserError[]} userErrors
 */
function showConnectErrors(userErrors) {
  /** @type {string[]} */
  const general = [];
  /** @type {HTMLInputElement | null} */
  let firstInvalid = null;
  for (const error of userErrors) {
    const name = error.field?.[0] === 'input' ? error.field[1] : undefined;
    if (name === undefined || !(/** @type {readonly string[]} */ (CONNECT_FIELDS)).includes(name)) {
      general.push(error.message);
      continue;
    }
    const target = element(`${name}-error`);
    showText(target, target.hidden ? error.message : `${target.textContent} ${error.message}`);
    input(name).setAttribute('aria-invalid', 'true');
    firstInvalid ??= input(name);
  }
  showText(element('connect-error'), general.join(' '));
  if (firstInvalid !== null) firstInvalid.focus();
  else element('connect-error').focus();
}

/** @param {SubmitEvent} event */
async function submitConnect(event) {
  event.preventDefault();
  if (token === null) return;
  clearConnectErrors();
  const variables = {
    input: Object.fromEntries(CONNECT_FIELDS.map((name) => [name, input(name).value.trim()])),
  };
  await whileBusy(button('connect-button'), 'Connecting…', async () => {
    try {
      const data = /** @type {{ connectSalesforce: ConnectionPayload }} */ (await graphql(token ?? '', CONNECT_MUTATION, variables));
      const { connection, userErrors } = data.connectSalesforce;
      if (userErrors.length > 0 || connection === null) {
        showConnectErrors(userErrors);
        return;
      }
      resetConnectForm();
      showConnection(connection);
      announce(`Connected to ${connection.instanceUrl}.`);
      element('connection-title').focus();
      await loadFieldOptions(connection);
    } catch (error) {
      handleApiError(error);
    }
  });
}

// ─── Field picker ──────────────────────────────────────────────────────────────────────────────────────────────

/** @param {FieldOption} option @param {number} index */
function optionItem(option, index) {
  const id = `field-option-${index}`;
  const item = document.createElement('li');
  const checkbox = document.createElement('input');
  checkbox.type = 'checkbox';
  checkbox.id = id;
  checkbox.name = 'field';
  checkbox.value = option.name;
  checkbox.checked = option.chosen;
  checkbox.disabled = !option.syncable && !option.chosen;
  checkbox.setAttribute('aria-describedby', `${id}-details`);
  const label = document.createElement('label');
  label.htmlFor = id;
  label.textContent = option.label;
  const details = document.createElement('span');
  details.id = `${id}-details`;
  details.className = 'option-details';
  const apiName = document.createElement('code');
  apiName.textContent = option.name;
  details.append(apiName, ` · ${option.type} · ${option.custom ? 'custom' : 'standard'}`);
  if (option.notSyncableReason !== null) {
    const reason = document.createElement('span');
    reason.className = 'option-reason';
    reason.textContent = option.notSyncableReason;
    details.append(reason);
  }
  item.append(checkbox, label, details);
  return item;
}

/** @param {FieldOption[]} options @param {Connection} connection */
function renderFieldOptions(options, connection) {
  const custom = element('custom-options');
  const standard = element('standard-options');
  const items = options.map(optionItem);
  custom.replaceChildren(...items.filter((_, i) => options[i]?.custom));
  standard.replaceChildren(...items.filter((_, i) => !options[i]?.custom));
  if (custom.childElementCount === 0) {
    const none = document.createElement('li');
    none.textContent = 'The Run-As user can read no custom Contact fields.';
    custom.append(none);
  }
  const listed = new Set(options.map((option) => option.name.toLowerCase()));
  const missing = connection.customFields.filter((field) => !field.available || !listed.has(field.name.toLowerCase()));
  showText(
    element('fields-unavailable'),
    missing.length === 0
      ? ''
      : `No longer readable by the Run-As user: ${missing.map((field) => field.name).join(', ')}. Saving leaves ${missing.length > 1 ? 'them' : 'it'} out.`,
  );
}

/** @param {Connection} connection */
async function loadFieldOptions(connection) {
  if (token === null) return;
  showText(element('fields-error'), '');
  try {
    const data = /** @type {{ salesforceContactFieldOptions: FieldOption[] }} */ (await graphql(token, FIELD_OPTIONS_QUERY));
    renderFieldOptions(data.salesforceContactFieldOptions, connection);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'UNAUTHENTICATED') handleApiError(error);
    else showText(element('fields-error'), error instanceof Error ? error.message : String(error));
  }
}

/** @param {SubmitEvent} event */
async function submitFields(event) {
  event.preventDefault();
  if (token === null) return;
  const form = /** @type {HTMLFormElement} */ (event.currentTarget);
  const chosen = [...form.querySelectorAll('input[name="field"]:checked')].map((box) => /** @type {HTMLInputElement} */ (box).value);
  const errorBox = element('fields-error');
  showText(errorBox, '');
  await whileBusy(button('fields-button'), 'Saving…', async () => {
    try {
      const data = /** @type {{ setSalesforceContactFields: ConnectionPayload }} */ (await graphql(token ?? '', SET_FIELDS_MUTATION, { fields: chosen }));
      const { connection, userErrors } = data.setSalesforceContactFields;
      if (userErrors.length > 0 || connection === null) {
        showText(errorBox, userErrors.map((e) => e.message).join(' '));
        errorBox.focus();
        return;
      }
      renderConnection(connection);
      announce(chosen.length === 0 ? 'Saved: no extra fields are synced.' : `Saved: ${chosen.join(', ')} ${chosen.length > 1 ? 'are' : 'is'} synced.`);
      await loadFieldOptions(connection);
    } catch (error) {
      if (error instanceof ApiError && error.code !== 'UNAUTHENTICATED') {
        showText(errorBox, error.message);
        errorBox.focus();
      } else handleApiError(error);
    }
  });
}

// ─── Start ─────────────────────────────────────────────────────────────────────────────────────────────────────

function wire() {
  element('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const given = input('token').value.trim();
    if (given === '') {
      signOut('Paste an admin token to continue.');
      return;
    }
    input('token').value = '';
    void signIn(given);
  });
  element('sign-out').addEventListener('click', () => signOut());
  element('connect-form').addEventListener('submit', (event) => void submitConnect(/** @type {SubmitEvent} */ (event)));
  element('fields-form').addEventListener('submit', (event) => void submitFields(/** @type {SubmitEvent} */ (event)));
  element('test-button').addEventListener('click', () => void testConnection());
  element('disconnect-button').addEventListener('click', askToDisconnect);
  element('disconnect-cancel').addEventListener('click', () => /** @type {HTMLDialogElement} */ (element('disconnect-dialog')).close());
  element('disconnect-confirm').addEventListener('click', () => void disconnect());
}

wire();
const handedOver = takeTokenFromFragment();
if (handedOver === null) signOut();
else void signIn(handedOver);
