// The small documents tests answer from, in one place, and the one way tests store them: through
// the ingestion pipeline, for a tenant created when missing.

import { ensureTenant } from '../../src/app/index.js';
import { ensureKnowledgeBase } from '../../src/knowledge/index.js';
import type { TestServer } from './test-backend.js';

/** A document as a test stores it (markdown unless it says otherwise). */
export interface TestDocument {
  title: string;
  text: string;
  format?: 'markdown' | 'text';
  source?: string;
}

/** The one-passage document most model tests ask about. */
export const TIDES: TestDocument = {
  title: 'Tides',
  text: '# Tides\n\nTides are caused mainly by the gravitational pull of the Moon on the oceans.',
};

/** The question TIDES answers. */
export const QUESTION = 'What causes the tides?';

/** TIDES with a second sentence (the Sun) and a source link, for the pages that show sources. */
export const TIDES_WITH_SUN: TestDocument = {
  title: 'Tides',
  text: '# Tides\n\nTides are caused mainly by the gravitational pull of the Moon on the oceans. The Sun pulls too, about half as strongly.',
  source: 'https://example.org/tides',
};

/** A shop's returns policy, which the widget and publishable-key tests ask about. */
export const RETURNS: TestDocument = {
  title: 'Returns',
  text: '# Returns\n\nItems can be returned within 30 days with the receipt.',
};

/** Four unrelated plain-text topics, for retrieval tests that need one clear winner per query. */
export const TOPICS = [
  {
    title: 'Cats',
    text: 'Cats purr when content and sleep most of the day in warm sunny spots. A cat grooms its fur.',
  },
  {
    title: 'Rockets',
    text: 'A rocket engine burns propellant to produce thrust and lift a payload into orbit.',
  },
  {
    title: 'Bread',
    text: 'Sourdough bread rises with wild yeast and lactic bacteria over a long fermentation.',
  },
  {
    title: 'Tides',
    text: 'Tides rise and fall twice a day as the moon pulls on the oceans of the earth.',
  },
].map((document): TestDocument => ({ ...document, format: 'text' }));

/** Another tenant's document that matches rocket queries strongly: it must never be found across tenants. */
export const OTHER_TENANT_ROCKETS: TestDocument = {
  title: 'Other tenant rockets',
  text: 'Secret rocket plans: the rocket payload reaches orbit on liquid propellant.',
  format: 'text',
};

export interface Ingested {
  tenantId: string;
  kbId: string;
  /** The stored documents' ids, in the order given. */
  documentIds: string[];
}

/** Stores documents for a tenant (created when missing) through the ingestion pipeline, in order. */
export async function ingestDocuments(
  server: Pick<TestServer, 'runtime'>,
  documents: readonly TestDocument[],
  tenant = 'default',
): Promise<Ingested> {
  const tenantId = await ensureTenant(server.runtime.db, tenant);
  return { tenantId, ...(await ingestFor(server, tenantId, documents)) };
}

/** Stores documents for a tenant known by its id. */
export async function ingestFor(
  server: Pick<TestServer, 'runtime'>,
  tenantId: string,
  documents: readonly TestDocument[],
): Promise<Omit<Ingested, 'tenantId'>> {
  const { db, ingestion } = server.runtime;
  const kbId = await ensureKnowledgeBase(db, tenantId);
  const documentIds: string[] = [];
  for (const document of documents) {
    const outcome = await ingestion.ingestNow({
      tenantId,
      kbId,
      bytes: Buffer.from(document.text),
      format: document.format ?? 'markdown',
      title: document.title,
      ...(document.source === undefined ? {} : { source: document.source }),
    });
    documentIds.push(outcome.documentId);
  }
  return { kbId, documentIds };
}
