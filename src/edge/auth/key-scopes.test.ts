import { describe, expect, it } from 'vitest';
import { mayActForUsers, parseScopes, scopeAllows, scopeRefusal, userMayCall } from './key-scopes.js';

describe('scopeAllows', () => {
  it('lets admin call everything', () => {
    expect(scopeAllows(['admin'], 'DELETE', '/v1/bots/:id')).toBe(true);
    expect(scopeAllows(['admin'], 'GET', '/v1/keys')).toBe(true);
  });

  it('keeps chat to chatting, the model list, reading a conversation back and rating answers', () => {
    for (const [method, url] of [
      ['POST', '/v1/chat'],
      ['POST', '/v1/chat/completions'],
      ['GET', '/v1/models'],
      ['GET', '/v1/conversations/:id'],
      ['HEAD', '/v1/conversations/:id'],
      ['GET', '/v1/conversations/:id/events'],
      ['POST', '/v1/turns/:turn_id/feedback'],
    ] as const)
      expect(scopeAllows(['chat'], method, url), `${method} ${url}`).toBe(true);
    for (const [method, url] of [
      ['GET', '/v1/documents'],
      ['POST', '/v1/documents'],
      ['GET', '/v1/turns/:id/trace'],
      ['PATCH', '/v1/bots/:id'],
      ['GET', '/v1/feedback'],
    ] as const)
      expect(scopeAllows(['chat'], method, url), `${method} ${url}`).toBe(false);
  });

  it('lets read make every GET but the keys and the audit log, and nothing else', () => {
    expect(scopeAllows(['read'], 'GET', '/v1/documents')).toBe(true);
    expect(scopeAllows(['read'], 'GET', '/v1/usage')).toBe(true);
    expect(scopeAllows(['read'], 'GET', '/v1/keys')).toBe(false);
    expect(scopeAllows(['read'], 'GET', '/v1/audit-log')).toBe(false);
    expect(scopeAllows(['read'], 'POST', '/v1/chat')).toBe(false);
    expect(scopeAllows(['read'], 'DELETE', '/v1/documents/:id')).toBe(false);
  });

  it("lets a chat key acting for a user also list, rename, delete and export that user's conversations", () => {
    for (const [method, url] of [
      ['GET', '/v1/conversations'],
      ['PATCH', '/v1/conversations/:id'],
      ['DELETE', '/v1/conversations/:id'],
      ['GET', '/v1/conversations/:id/export'],
    ] as const) {
      expect(scopeAllows(['chat'], method, url), `${method} ${url}`).toBe(false);
      expect(scopeAllows(['chat', 'act_for_users'], method, url, true), `${method} ${url}`).toBe(true);
      expect(userMayCall(method, url), `${method} ${url}`).toBe(true);
    }
    // Acting for a user opens no operator route (not even to an admin key), and a read key stays a
    // read key.
    expect(scopeAllows(['chat', 'act_for_users'], 'GET', '/v1/documents', true)).toBe(false);
    expect(scopeAllows(['admin'], 'GET', '/v1/feedback', true)).toBe(false);
    expect(scopeAllows(['admin'], 'DELETE', '/v1/conversations/:id', true)).toBe(true);
    expect(scopeAllows(['read', 'act_for_users'], 'GET', '/v1/conversations', true)).toBe(true);
    expect(scopeAllows(['read', 'act_for_users'], 'DELETE', '/v1/conversations/:id', true)).toBe(false);
    expect(userMayCall('GET', '/v1/documents')).toBe(false);
    expect(userMayCall('GET', '/v1/approvals')).toBe(false);
  });

  it('lets act_for_users and admin keys name a user, and no other', () => {
    expect(mayActForUsers(['chat', 'act_for_users'])).toBe(true);
    expect(mayActForUsers(['admin'])).toBe(true);
    expect(mayActForUsers(['chat', 'read'])).toBe(false);
  });

  it('refuses with a 403 naming the scopes, and leaves unmatched URLs to their 404', () => {
    expect(scopeRefusal(['read'], 'POST', '/v1/chat')).toMatchObject({
      code: 'PARLEY_ERR_FORBIDDEN',
      httpStatus: 403,
      message: expect.stringContaining('(read)'),
    });
    expect(scopeRefusal(['chat'], 'GET', undefined)).toBeUndefined();
  });
});

describe('parseScopes', () => {
  it('takes repeated and comma-separated scopes, without repeats', () => {
    expect(parseScopes(['chat', 'read,chat'])).toEqual(['chat', 'read']);
  });

  it('refuses unknown scopes and none at all', () => {
    expect(() => parseScopes(['write'])).toThrow(/not a key scope: write/);
    expect(() => parseScopes([' , '])).toThrow(/at least one scope/);
  });
});
