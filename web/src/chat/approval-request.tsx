// The action an answer paused for, under that answer: what would be run (the tool and the model's
// arguments, shown as text), with Approve and Decline when the user decides, or a line saying an
// operator of the bot decides.
import type { PendingApproval } from './api-client.js';

/**
 * Where the decision stands: `pending` until a button is clicked, `approving`/`declining` until the
 * server starts the continued answer, then `approved`/`declined`; `already_decided` when the server
 * answered 409 (a decision was taken before, elsewhere or by an earlier click).
 */
export type DecisionState =
  | 'pending'
  | 'approving'
  | 'declining'
  | 'approved'
  | 'declined'
  | 'already_decided';

const STATUS: Partial<Record<DecisionState, string>> = {
  approving: 'Approving…',
  declining: 'Declining…',
  approved: 'You approved this action.',
  declined: 'You declined this action.',
  already_decided: 'This action was already decided.',
};

export function ApprovalRequest(props: {
  approval: PendingApproval;
  state: DecisionState;
  /** Another answer is streaming: deciding waits for it. */
  busy: boolean;
  /** Unique per message (ids of the action line). */
  idPrefix: string;
  onDecide(approve: boolean): void;
}) {
  const { approval, state } = props;
  const actionId = `${props.idPrefix}-action`;
  const byOperator = approval.approver === 'operator';
  const undecided = state === 'pending' || state === 'approving' || state === 'declining';
  const status = byOperator ? "Waiting for an operator's approval" : STATUS[state];
  return (
    <div class="approval" data-state={byOperator ? 'operator' : state}>
      <p class="approval-action" id={actionId}>
        <span class="approval-label">Action: </span>
        <code class="approval-tool">{approval.tool}</code>{' '}
        <code class="approval-arguments">{approval.arguments}</code>
      </p>
      {!byOperator && undecided && (
        <div class="approval-buttons">
          <button
            type="button"
            aria-describedby={actionId}
            disabled={state !== 'pending' || props.busy}
            onClick={() => props.onDecide(true)}
          >
            Approve
          </button>
          <button
            type="button"
            class="ghost"
            aria-describedby={actionId}
            disabled={state !== 'pending' || props.busy}
            onClick={() => props.onDecide(false)}
          >
            Decline
          </button>
        </div>
      )}
      {status && (
        <p class="approval-status" role="status">
          {status}
        </p>
      )}
    </div>
  );
}
