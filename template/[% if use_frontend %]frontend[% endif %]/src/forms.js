// A form of the page (create, edit, password): its values, its per-field
// errors and its busy state. What was typed stays in the inputs until the
// form is saved or the user leaves: a failed save, an ended session or a
// refusal never clears it.
import { FORM_FIELDS } from './api.js';
import { setFieldErrors, setStatus } from './dom.js';
import { MESSAGES } from './http.js';

/**
 * The form whose inputs have the ids `${prefix}${field}`, each with an error
 * line `${prefix}${field}-error`, a status line `status` and a submit button.
 */
export function formController(doc, { form, prefix = '', status, submit, fields = FORM_FIELDS }) {
  const inputs = Object.fromEntries(fields.map((f) => [f, doc.getElementById(`${prefix}${f}`)]));
  const errors = Object.fromEntries(
    fields.map((f) => [f, doc.getElementById(`${prefix}${f}-error`)]),
  );
  for (const field of fields) {
    inputs[field].addEventListener('input', () => setFieldErrors(inputs[field], errors[field], []));
  }
  let busy = false;

  return {
    get busy() {
      return busy;
    },

    values() {
      return Object.fromEntries(fields.map((field) => [field, inputs[field].value]));
    },

    fill(values) {
      for (const field of fields) {
        inputs[field].value = String(values[field] ?? '');
      }
    },

    /** Empty every input, error and status: for a new entry or a new user. */
    clear() {
      form.reset();
      this.showErrors({});
      setStatus(status, '');
    },

    /** Mark the form busy (or not): a second submit waits for the first. */
    setBusy(value) {
      busy = value;
      // aria-disabled, not disabled: a disabled button would drop keyboard focus.
      if (value) {
        submit.setAttribute('aria-disabled', 'true');
        form.setAttribute('aria-busy', 'true');
      } else {
        submit.removeAttribute('aria-disabled');
        form.removeAttribute('aria-busy');
      }
    },

    /** Errors next to their fields; returns the first field with one, or null. */
    showErrors(byField) {
      for (const field of fields) {
        setFieldErrors(inputs[field], errors[field], byField[field] ?? []);
      }
      return fields.find((field) => byField[field]) ?? null;
    },

    status(message, options) {
      setStatus(status, message, options);
    },

    focus(field = fields[0]) {
      inputs[field].focus();
    },
  };
}

/**
 * Submit `form` with `save(values)`, showing what happened: 'Saving…', then
 * the errors of a failure (values kept, first invalid field focused) or the
 * caller's `saved(result)` on success. `failed(result)` sees every failure
 * first, so an ended session can bring back the log-in form.
 */
export async function submitForm(form, save, { saved, failed = () => {} }) {
  if (form.busy) {
    return;
  }
  form.setBusy(true);
  form.status('Saving…');
  form.showErrors({});
  let result;
  try {
    result = await save(form.values());
  } finally {
    form.setBusy(false);
  }
  if (result.ok) {
    form.status('');
    saved(result);
    return;
  }
  failed(result);
  const firstInvalid = form.showErrors(result.fields ?? {});
  const general = result.general?.length > 0 ? result.general : [MESSAGES.invalid];
  form.status(general.join(' '), { error: true });
  if (firstInvalid) {
    form.focus(firstInvalid);
  }
}
