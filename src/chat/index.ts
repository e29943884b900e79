// Chat layer: the turn pipeline, the extractive answerer, conversation storage.
export { ChatService, Turn, type TurnRequest, type TurnResult } from './chat-service.js';
export { conversationExists, getMessages, getTrace, type MessageRecord } from './conversation-store.js';
export { type Citation, EXTRACTIVE_LABEL, extractiveAnswer, NOTHING_FOUND } from './extractive-answer.js';
export { WriteBehind } from './write-behind.js';
