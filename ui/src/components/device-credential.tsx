import { useState } from 'preact/hooks';
import type { CredentialStatus, ProvisionedCredential } from '../api/fleet-api.js';
import { provisionCredential, revokeCredential } from '../api/fleet-api.js';
import type { Resource } from '../api/use-resource.js';
import { ActionOutcome, ConfirmButton, useAction } from './device-action.js';
import { ErrorNotice } from './notice.js';
import { RelativeTime } from './relative-time.js';

/**
 * The device's own credential: whether it has one and since when, provisioning (or replacing)
 * it, and revoking it. The secret of a new credential is shown in this component's state only,
 * once: it is in no storage, no URL and no log, and leaving the page (or "Hide it") forgets it.
 */
export function DeviceCredential(props: {
  readonly id: string;
  readonly credential: Resource<CredentialStatus | null>;
}) {
  const action = useAction(props.credential.reload);
  const [secret, setSecret] = useState<ProvisionedCredential | null>(null);
  const status = props.credential.data;

  const provision = () =>
    void action.run(
      async () => {
        setSecret(null);
        const created = await provisionCredential(props.id);
        setSecret(created);
        return created;
      },
      status === null || status === undefined
        ? 'Credential provisioned.'
        : 'Credential replaced: the old one no longer works.',
    );
  const revoke = () =>
    void action.run(async () => {
      setSecret(null);
      await revokeCredential(props.id);
    }, 'Credential revoked: the device’s next request with it is refused.');

  return (
    <>
      <h2 id="credential-title">Device credential</h2>
      <div class="panel" data-testid="device-credential">
        <ErrorNotice message={props.credential.error} />
        {status === undefined ? (
          props.credential.error === undefined && <p>Loading…</p>
        ) : status === null ? (
          <p data-testid="credential-status">None: the device uses the shared credential or a certificate.</p>
        ) : (
          <p data-testid="credential-status">
            Has its own credential since <RelativeTime iso={status.createdAt} /> (
            <span class="fleet-muted mono">{status.createdAt}</span>).
          </p>
        )}
        {secret !== null && <SecretPanel secret={secret} onHide={() => setSecret(null)} />}
        <div class="actions">
          {status === null ? (
            <button type="button" disabled={action.busy} onClick={provision}>
              Provision credential
            </button>
          ) : (
            status !== undefined && (
              <>
                <ConfirmButton
                  label="Replace credential"
                  confirmLabel="Confirm replace"
                  disabled={action.busy}
                  onConfirm={provision}
                />
                <ConfirmButton
                  label="Revoke credential"
                  confirmLabel="Confirm revoke"
                  disabled={action.busy}
                  onConfirm={revoke}
                />
              </>
            )
          )}
        </div>
        <ActionOutcome action={action} />
      </div>
    </>
  );
}

function SecretPanel(props: { readonly secret: ProvisionedCredential; readonly onHide: () => void }) {
  const [copied, setCopied] = useState<string | undefined>(undefined);
  const [copyError, setCopyError] = useState<string | undefined>(undefined);
  const copy = () => {
    setCopied(undefined);
    setCopyError(undefined);
    if (navigator.clipboard === undefined) {
      setCopyError('This browser does not let the page copy: select the password and copy it yourself.');
      return;
    }
    navigator.clipboard
      .writeText(props.secret.password)
      .then(() => setCopied('Password copied to the clipboard.'))
      .catch(() => setCopyError('The password could not be copied: select it and copy it yourself.'));
  };
  return (
    <section class="fleet-secret" aria-labelledby="secret-title" data-testid="credential-secret">
      <h3 id="secret-title">The new credential</h3>
      <p>
        <strong>Copy it now: it will not be shown again.</strong> The server keeps only a hash of the password.
      </p>
      <dl class="fleet-pairs">
        <div>
          <dt>Username</dt>
          <dd class="mono" data-testid="credential-username">
            {props.secret.username}
          </dd>
        </div>
        <div>
          <dt>Password</dt>
          <dd class="mono fleet-secret-value" data-testid="credential-password">
            {props.secret.password}
          </dd>
        </div>
      </dl>
      <div class="actions">
        <button type="button" class="secondary" onClick={copy}>
          Copy password
        </button>
        <button type="button" class="secondary" onClick={props.onHide}>
          I have copied it: hide it
        </button>
      </div>
      <ErrorNotice message={copyError} />
      {copied !== undefined && (
        <p class="notice" role="status">
          {copied}
        </p>
      )}
    </section>
  );
}
