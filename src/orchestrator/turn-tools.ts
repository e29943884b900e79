// The tools one turn may call: the bot's allowlist over the catalog's sources and the built-in
// knowledge search, each call run through the shared toolbox (validation, timeout, breaker,
// concurrency) and its result read as untrusted text (the injection guard, PII redaction) before
// the model sees it. What each call did is kept for the trace; the arguments as the bot's PII
// policy redacts them.
import {
  type Guard,
  type GuardDecision,
  type GuardPolicy,
  guardPassages,
  redactPii,
} from '../guard/index.js';
import type { RetrievedChunk, Retriever } from '../knowledge/index.js';
import type { TokenUsage, ToolCall, ToolSpec } from '../models/index.js';
import type { CatalogTool, Tool, Toolbox, ToolCatalog, ToolOutcome } from '../tools/index.js';
import type { BotProfile } from './bots/bots.js';
import { guardToolResult } from './client-history.js';
import { passageBlock } from './grounded-prompt.js';

/** The built-in tool: the model searches the bot's documents again with its own query. */
export const KNOWLEDGE_SEARCH = 'knowledge_search';

/** Arguments the model may get wrong in one turn before its tools are taken away. */
const INVALID_CALLS_ALLOWED = 3;
/** Characters of a call's arguments kept in the trace. */
const TRACED_ARGUMENT_CHARS = 2_000;

/** One call as the trace keeps it. */
export interface ToolCallRecord {
  id: string;
  tool: string;
  source: string;
  outcome: ToolOutcome | 'approval_required';
  /** When the call began (epoch ms) and how long it took. */
  at: number;
  ms: number;
  /** The arguments as the model wrote them, PII redacted per the bot's policy, capped. */
  arguments: string;
  result_chars: number;
  truncated: boolean;
  /** The injection guard's rule, when the result was withheld from the model. */
  withheld?: string;
  error?: string;
}

/** A model call that asked for tools, and what running them did. */
export interface ToolStep {
  model: string;
  usage: TokenUsage;
  calls: ToolCallRecord[];
}

/** What running one step's calls gives the next model call. */
export interface StepResults {
  records: ToolCallRecord[];
  results: { toolCallId: string; content: string }[];
  decisions: GuardDecision[];
}

interface Offered {
  key: string;
  source: string;
  tool: Tool;
}

export interface TurnToolsDeps {
  toolbox: Toolbox;
  guards: readonly Guard[];
  policy: GuardPolicy;
  context: { tenantId: string; botId: string; conversationId: string; turnId: string };
}

export class TurnTools {
  private readonly byName: Map<string, Offered>;
  private invalidCalls = 0;
  /** Passages the knowledge search found, numbered after the prompt's (cited as [n]). */
  readonly found: RetrievedChunk[] = [];
  /** Passages already in the prompt: the search's are numbered after them. */
  private promptPassages: readonly RetrievedChunk[] = [];

  constructor(
    offered: Offered[],
    readonly maxSteps: number,
    private readonly deps: TurnToolsDeps,
    /** Sources that could not list their tools for this turn. */
    readonly unavailable: { source: string; error: string }[] = [],
  ) {
    this.byName = new Map(offered.map((item) => [item.tool.name, item]));
  }

  /** The tools as the model is offered them. */
  get specs(): ToolSpec[] {
    return [...this.byName.values()].map(({ tool }) => ({
      name: tool.name,
      description: tool.description,
      parameters: tool.parameters,
    }));
  }

  get size(): number {
    return this.byName.size;
  }

  /** Whether `name` is one of Parley's tools for this turn (else it is the client's). */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The model got its arguments wrong too often: it answers without tools from here on. */
  get exhausted(): boolean {
    return this.invalidCalls >= INVALID_CALLS_ALLOWED;
  }

  /** The passages the prompt numbers 1..n: the knowledge search numbers its own after them. */
  numberAfter(passages: readonly RetrievedChunk[]): void {
    this.promptPassages = passages;
  }

  /** Every passage the answer may cite: the prompt's, then the ones the search found. */
  citable(): RetrievedChunk[] {
    return this.found.length === 0 ? [...this.promptPassages] : [...this.promptPassages, ...this.found];
  }

  /** Runs one step's calls side by side; every call gets a result (a failure says what failed). */
  async runStep(calls: readonly ToolCall[], signal: AbortSignal | undefined): Promise<StepResults> {
    const turnSignal = signal ?? new AbortController().signal;
    const runs = await Promise.all(calls.map((call) => this.runCall(call, turnSignal)));
    return {
      records: runs.map((run) => run.record),
      results: runs.map((run, index) => ({ toolCallId: calls[index]!.id, content: run.content })),
      decisions: runs.flatMap((run) => run.decisions),
    };
  }

  private async runCall(
    call: ToolCall,
    signal: AbortSignal,
  ): Promise<{ record: ToolCallRecord; content: string; decisions: GuardDecision[] }> {
    const at = performance.timeOrigin + performance.now();
    const offered = this.byName.get(call.name);
    const traced = (outcome: ToolCallRecord['outcome'], extra: Partial<ToolCallRecord> = {}) => ({
      id: call.id,
      tool: call.name,
      source: offered?.source ?? 'unknown',
      outcome,
      at,
      ms: 0,
      arguments: redactPii(call.arguments.slice(0, TRACED_ARGUMENT_CHARS), this.deps.policy.pii).text,
      result_chars: 0,
      truncated: false,
      ...extra,
    });
    if (offered?.tool.sideEffects) {
      // An action on the world never runs unasked: without an approval step it does not run.
      return {
        record: traced('approval_required'),
        content: `${call.name} acts on the world and needs the user's approval, which cannot be asked for here. Tell the user what you would do instead.`,
        decisions: [],
      };
    }
    const run = await this.deps.toolbox.run(offered?.key ?? `unknown:${call.name}`, offered?.tool, call, {
      ...this.deps.context,
      signal,
    });
    if (run.outcome === 'invalid_arguments') this.invalidCalls += 1;
    const record = traced(run.outcome, {
      ms: run.ms,
      result_chars: run.resultChars,
      truncated: run.truncated,
      ...(run.error ? { error: run.error } : {}),
    });
    if (run.outcome !== 'ok' && run.outcome !== 'tool_error') {
      return { record, content: run.content, decisions: [] };
    }
    // The built-in search's passages passed the passage guard already, as retrieved passages do.
    if (offered?.source === 'builtin') return { record, content: run.content, decisions: [] };
    // A result is data from wherever the tool read it: it may carry instructions.
    const guarded = await guardToolResult(this.deps.guards, run.content, this.deps.policy);
    const withheld = guarded.decisions[0]?.rule;
    return {
      record: withheld ? { ...record, withheld } : record,
      content: guarded.content,
      decisions: guarded.decisions,
    };
  }

  /** The built-in knowledge search over the tenant's documents, numbering what it finds after the prompt's. */
  static knowledgeSearch(
    retriever: Retriever,
    bot: Pick<BotProfile, 'topK' | 'guard'>,
    guards: readonly Guard[],
    tools: () => TurnTools,
  ): Tool {
    return {
      name: KNOWLEDGE_SEARCH,
      description:
        'Search the documents this assistant answers from with your own query (other words, a narrower or wider topic). Returns numbered passages; cite them as [n].',
      parameters: {
        type: 'object',
        properties: {
          query: { type: 'string', minLength: 1, maxLength: 500, description: 'What to search for' },
        },
        required: ['query'],
        additionalProperties: false,
      },
      sideEffects: false,
      async call(args, context) {
        const found = await retriever.search(String(args.query), {
          tenantId: context.tenantId,
          topK: bot.topK,
        });
        const passages = guardPassages(guards, found.chunks, bot.guard);
        if (passages.length === 0) return { text: 'No passages match that query.', isError: false };
        const turn = tools();
        const blocks = passages.map((passage) => {
          const citable = turn.citable();
          let index = citable.findIndex((known) => known.chunkId === passage.chunkId);
          if (index < 0) {
            turn.found.push(passage);
            index = citable.length;
          }
          return passageBlock(passage, index + 1);
        });
        return { text: blocks.join('\n'), isError: false };
      },
    };
  }
}

/** Makes each turn's tools from the bot's allowlist (none allowed: no tools, nothing listed). */
export class TurnToolMaker {
  constructor(private readonly deps: { catalog: ToolCatalog; toolbox: Toolbox; retriever: Retriever }) {}

  async forTurn(
    bot: BotProfile,
    guards: readonly Guard[],
    context: TurnToolsDeps['context'],
    signal?: AbortSignal,
  ): Promise<TurnTools | undefined> {
    const allow = bot.tools.allow;
    if (allow.length === 0) return undefined;
    const listed: { tools: CatalogTool[]; unavailable: { source: string; error: string }[] } = this.deps
      .catalog.empty
      ? { tools: [], unavailable: [] }
      : await this.deps.catalog.forBot(context.tenantId, allow, signal);
    const offered: Offered[] = listed.tools.filter((item) => item.tool.name !== KNOWLEDGE_SEARCH);
    let tools: TurnTools | undefined;
    if (allow.includes(KNOWLEDGE_SEARCH)) {
      offered.unshift({
        key: `builtin:${KNOWLEDGE_SEARCH}`,
        source: 'builtin',
        tool: TurnTools.knowledgeSearch(this.deps.retriever, bot, guards, () => tools!),
      });
    }
    if (offered.length === 0 && listed.unavailable.length === 0) return undefined;
    tools = new TurnTools(
      offered,
      bot.tools.maxSteps,
      { toolbox: this.deps.toolbox, guards, policy: bot.guard, context },
      listed.unavailable,
    );
    return tools;
  }
}
