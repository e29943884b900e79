// Orchestrator layer: the turn runner, the one owner of a turn's lifecycle, and its events.
export type { TurnEvent } from './turn-events.js';
export {
  type PreparedTurn,
  RunningTurn,
  type TurnAdmission,
  type TurnContext,
  type TurnInput,
  TurnRunner,
  type TurnRunnerDeps,
} from './turn-runner.js';
