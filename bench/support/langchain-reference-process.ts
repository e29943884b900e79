// What users would otherwise build: the same RAG turn written the way the LangChain.js tutorials
// write it (a text splitter, a BM25 retriever over the chunks in memory, a ChatPromptTemplate with
// the retrieved context and the history, ChatOpenAI streaming, RunnableWithMessageHistory over an
// in-memory history per conversation), served by Fastify with Parley's SSE events (`meta` with the
// conversation id, `token`, `done`, `error`) so one load generator drives both. A comparison
// server of bench/load.ts, in a process of its own:
//   node --import tsx bench/support/langchain-reference-process.ts <stub base URL> <docs dir> <model>
// with an IPC channel; it sends `{type: 'ready', url}` once listening and stops on SIGTERM.
//
// Retrieval is keyword BM25 because Parley's default is (no embedding model on this machine).
// LangChain's own `BM25Retriever` (@langchain/community) cannot be installed next to zod 4 and
// openai 6 without --legacy-peer-deps (its required peer @browserbasehq/stagehand@1 wants zod 3
// and openai 4: langchain-ai/langchainjs#9808), so `KeywordRetriever` and `bm25Scores` below are
// that class and the scoring it vendors (okapibm25 by Furkan Toprak, MIT, with LangChain's
// escaping of query terms), condensed: every chunk is scored against the query on every call.
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { InMemoryChatMessageHistory } from '@langchain/core/chat_history';
import { Document } from '@langchain/core/documents';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate, MessagesPlaceholder } from '@langchain/core/prompts';
import { BaseRetriever } from '@langchain/core/retrievers';
import { RunnablePassthrough, RunnableSequence, RunnableWithMessageHistory } from '@langchain/core/runnables';
import { ChatOpenAI } from '@langchain/openai';
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import Fastify from 'fastify';

const [stubUrl, docsDir, model] = process.argv.slice(2);
if (!stubUrl || !docsDir || !model || typeof process.send !== 'function') {
  process.stderr.write('usage: langchain-reference-process.ts <stub URL> <docs dir> <model>, with IPC\n');
  process.exit(2);
}

/** Passages per question: Parley's default top-k. */
const TOP_K = 8;

/** @langchain/community's utils/@furkantoprak/bm25: Okapi BM25 scores of `documents` for `keywords`. */
function bm25Scores(documents: string[], keywords: string[], k1 = 1.2, b = 0.75): number[] {
  const wordCount = (text: string) => (text.match(/\w+/g) ?? []).length;
  const termFrequency = (term: string, text: string) =>
    (text.match(new RegExp(term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g')) ?? []).length;
  const lengths = documents.map(wordCount);
  const averageLength = lengths.reduce((sum, n) => sum + n, 0) / documents.length;
  const idf = new Map(
    keywords.map((keyword) => {
      const containing = documents.filter((document) => document.includes(keyword)).length;
      return [keyword, Math.log((documents.length - containing + 0.5) / (containing + 0.5) + 1)];
    }),
  );
  return documents.map((document, index) =>
    keywords.reduce((score, keyword) => {
      const tf = termFrequency(keyword, document);
      const norm = k1 * (1 - b + (b * lengths[index]!) / averageLength);
      return score + (idf.get(keyword)! * (tf * (k1 + 1))) / (tf + norm);
    }, 0),
  );
}

/** @langchain/community's BM25Retriever. */
class KeywordRetriever extends BaseRetriever {
  override lc_namespace = ['langchain', 'retrievers', 'bm25_retriever'];

  constructor(
    private readonly docs: Document[],
    private readonly k: number,
  ) {
    super();
  }

  override async _getRelevantDocuments(query: string): Promise<Document[]> {
    const terms = query.toLowerCase().split(/\s+/);
    const scores = bm25Scores(
      this.docs.map((doc) => doc.pageContent),
      terms,
    );
    return this.docs
      .map((doc, index) => ({ doc, score: scores[index] ?? 0 }))
      .sort((a, b) => b.score - a.score)
      .slice(0, this.k)
      .map(({ doc }) => doc);
  }
}

async function loadDocuments(dir: string): Promise<Document[]> {
  const files = (await readdir(dir, { recursive: true })).filter((file) => /\.(md|txt)$/i.test(file));
  return Promise.all(
    files.map(
      async (file) =>
        new Document({
          pageContent: await readFile(path.join(dir, file), 'utf8'),
          metadata: { source: file },
        }),
    ),
  );
}

// Ingestion, as the tutorials do it: load, split into 1,000-character chunks overlapping by 200.
const splitter = new RecursiveCharacterTextSplitter({ chunkSize: 1000, chunkOverlap: 200 });
const chunks = await splitter.splitDocuments(await loadDocuments(docsDir));
const retriever = new KeywordRetriever(chunks, TOP_K);

const prompt = ChatPromptTemplate.fromMessages([
  [
    'system',
    'You are an assistant for question-answering tasks. Use the following pieces of retrieved context ' +
      "to answer the question. If you don't know the answer, say that you don't know.\n\n{context}",
  ],
  new MessagesPlaceholder('history'),
  ['human', '{question}'],
]);
const llm = new ChatOpenAI({ model, apiKey: 'test', streaming: true, configuration: { baseURL: stubUrl } });
const formatDocs = (docs: Document[]) => docs.map((doc) => doc.pageContent).join('\n\n');

const ragChain = RunnableSequence.from([
  RunnablePassthrough.assign({
    context: async (input: { question: string }) => formatDocs(await retriever.invoke(input.question)),
  }),
  prompt,
  llm,
  new StringOutputParser(),
]);

const histories = new Map<string, InMemoryChatMessageHistory>();
const chain = new RunnableWithMessageHistory({
  runnable: ragChain,
  getMessageHistory: (sessionId: string) => {
    let history = histories.get(sessionId);
    if (!history) {
      history = new InMemoryChatMessageHistory();
      histories.set(sessionId, history);
    }
    return history;
  },
  inputMessagesKey: 'question',
  historyMessagesKey: 'history',
});

const app = Fastify({ logger: false });

app.post<{ Body: { message: string; conversation_id?: string } }>('/v1/chat', async (request, reply) => {
  const conversationId = request.body.conversation_id ?? randomUUID();
  const abort = new AbortController();
  reply.hijack();
  const raw = reply.raw;
  raw.on('close', () => {
    if (!raw.writableFinished) abort.abort();
  });
  raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const event = (name: string, data: unknown) =>
    raw.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  event('meta', { conversation_id: conversationId });
  try {
    const stream = await chain.stream(
      { question: request.body.message },
      { configurable: { sessionId: conversationId }, signal: abort.signal },
    );
    for await (const text of stream) if (text) event('token', { text });
    event('done', { mode: 'generated' });
  } catch (error) {
    event('error', { code: 'LANGCHAIN_ERROR', message: (error as Error).message });
  }
  raw.end();
});

const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stderr.write(`langchain reference: ${chunks.length} chunks from ${docsDir}\n`);
process.send({ type: 'ready', url: address.replace('localhost', '127.0.0.1') });
process.once('SIGTERM', () => {
  void app.close().finally(() => process.exit(0));
});
