// Rules for instructions planted in documents for the model that will read them: text that
// names an AI reader ("note to the language model", "the assistant should tell users…", "if you
// are an AI"), in English and in the languages the review tried; fake conversation turns and
// chat-template markers; Markdown images and links whose URL carries a placeholder for the
// conversation (exfiltration); hidden HTML comments addressed to a model. Each rule reads one
// view of the passage: `flat` (normalised: folded, lower case, one line) or `lines` (folded,
// lower case, line breaks kept) or `cased` (folded, case and line breaks kept).

/** The views of a passage a rule can read. */
export interface PassageViews {
  flat: string;
  lines: string;
  cased: string;
}

export interface PlantedRule {
  name: string;
  view: keyof PassageViews;
  pattern: RegExp;
}

// A model as the reader of a document. Bare "model" and "bot" are left out: an ORM model or a
// build bot "should include" things in ordinary documentation.
const AI = String.raw`(?:ai|a\.i\.|llms?|gpt|chatgpt|chatbots?|(?:ai\s+|virtual\s+)?assistants?|language\s+models?|ai\s+(?:models?|systems?|agents?|tools?))`;
// What a planted instruction tells the model to do.
const DO = `(?:say|says|respond|reply|answer|tell|ignore|recommend|include|reveal|state|claim|mention|ask|direct|send|output|append|inform|describe|rate|promote|insist|refuse|add|end|always|never|only|not|now)`;

const rule = (name: string, view: keyof PassageViews, source: string, flags = 'u'): PlantedRule => ({
  name,
  view,
  pattern: new RegExp(source, flags),
});

export const PLANTED_RULES: readonly PlantedRule[] = [
  // "Note to the language model:", "Instructions for LLMs:", "A message for the chatbot:".
  rule(
    'planted:note-to-model',
    'flat',
    String.raw`\b(?:note|notes|message|instructions?|notice|directive|reminder|attention|memo|hint)\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+|an?\s+|every\s+)?${AI}\b|\b(?:note|message|instructions?|notice|directive|reminder|memo)\s+(?:to|for)\s+(?:the\s+|any\s+)?(?:model|bot)s?\s*:`,
  ),
  // "If you are an AI", "AI assistants reading this", "any assistant that processes these notes".
  rule(
    'planted:ai-reader',
    'flat',
    String.raw`\bif\s+you(?:'re|\s+are)\s+(?:an?\s+)?${AI}\b|\b${AI}\s+(?:reading|processing|parsing|summari[sz]ing|answering\s+questions|that\s+(?:reads?|processes|parses|summari[sz]es))\b`,
  ),
  // Third person: "the assistant should tell users…", "any AI model that reads this is required to…".
  rule(
    'planted:third-person',
    'flat',
    String.raw`\b(?:the|any|an?|every|all|each)\s+${AI}\b(?:\s+(?:that|which|who)\s+[^.!?]{0,60}?|\s+\w+ing\s+[^.!?]{0,40}?)?\s+(?:must|should|shall|will|(?:is|are)\s+(?:required|expected|instructed|supposed)\s+to)\s+(?:now\s+|always\s+|only\s+|never\s+|not\s+)?${DO}\b`,
  ),
  // The model addressed by name: "Assistant, respond to…", "AI assistant: ignore…".
  rule(
    'planted:vocative',
    'flat',
    String.raw`(?:^|[.!?;(\[\n>-]\s*)(?:dear\s+|hey\s+)?${AI}\s*[,:]\s+(?:you\s+(?:must|should|will)|please\s+)?${DO}\b`,
  ),
  rule(
    'planted:real-task',
    'flat',
    String.raw`\byour\s+(?:real|actual|true|new|hidden|secret)\s+(?:task|goal|job|instructions?|purpose|mission)\s+(?:is|are)\b|\b(?:previous|prior|earlier|all|your)\s+(?:instructions|guidelines|rules|directives|orders)\s+(?:are|have\s+been)\s+(?:revoked|void|cancel+ed|overridden|replaced|suspended|lifted|no\s+longer\s+valid)\b`,
  ),
  // Chat-template markers and forged role headers.
  rule(
    'planted:chat-markers',
    'flat',
    String.raw`<\|(?:im_start|im_end|system|user|assistant|endoftext)\|>|\[system\]\(#|\bsystem\s+(?:message|prompt|override|notice)\s*:|\[/?inst\]|<<\s*sys\s*>>`,
  ),
  // Forged turns: a role header on a line of its own, or two roles speaking on separate lines.
  rule(
    'planted:role-header',
    'lines',
    String.raw`^[ \t]*#{1,6}[ \t]*(?:system|assistant|instructions?)[ \t]*:?[ \t]*$`,
    'mu',
  ),
  rule(
    'planted:fake-turns',
    'lines',
    String.raw`^[ \t]*(?:user|human|customer)[ \t]*:[^\n]*\n(?:[^\n]*\n){0,3}?[ \t]*(?:assistant|ai|chatbot|bot|system)[ \t]*:|^[ \t]*(?:assistant|ai|chatbot|system)[ \t]*:[^\n]*\n(?:[^\n]*\n){0,3}?[ \t]*(?:user|human)[ \t]*:`,
    'mu',
  ),
  // Exfiltration: a Markdown image, or a link, whose URL has a placeholder for what the model is
  // to fill in ({conversation}, <the user's messages>, DATA, {{api_key}}).
  rule(
    'planted:exfiltrate-link',
    'cased',
    // (Bounded repeats over disjoint classes: linear however the text is crafted.)
    String.raw`\]\(\s*<?(?:https?:)?//[^)\s?#]{1,200}[?#][^)]{0,300}?=\s*(?:\{|<|%7[bB]|%3[cC]|\[|[A-Z][A-Z0-9_]{3,}\b)`,
  ),
  // An HTML comment or hidden element that speaks of a model (readers never see it).
  rule(
    'planted:hidden-comment',
    'flat',
    String.raw`<!--(?:(?!-->).){0,400}?\b${AI}\b|display\s*:\s*none[^>]*>(?:(?!</).){0,400}?\b${AI}\b`,
  ),
  // Other languages: the model named as the reader, told to ignore its instructions, or told
  // what to say.
  rule(
    'planted:it',
    'flat',
    String.raw`\b(?:nota|messaggio|istruzion[ei]|avviso)\s+per\s+(?:l'|il\s+|lo\s+|la\s+)?(?:assistente|ia|intelligenza\s+artificiale|modello)\b|\bse\s+sei\s+(?:un\s+|una\s+|un'\s*)?(?:modello|assistente|ia\b|intelligenza\s+artificiale)|\bl'assistente\s+(?:deve|dovrà|dovrebbe)\b|\bignora\s+(?:tutte\s+)?(?:le\s+)?(?:istruzioni|indicazioni)\b`,
  ),
  rule(
    'planted:es',
    'flat',
    String.raw`\b(?:instrucci[oó]n(?:es)?|nota|mensaje|aviso)\s+para\s+(?:la\s+|el\s+)?(?:ia|asistente|modelo|inteligencia\s+artificial)\b|\bsi\s+eres\s+(?:un\s+|una\s+)?(?:ia|asistente|modelo|inteligencia\s+artificial)\b|\bel\s+asistente\s+(?:debe|deber[aá]|tiene\s+que)\b|\b(?:olvida|ignora)\s+(?:todas\s+)?(?:tus|las|sus)\s+instrucciones\b`,
  ),
  rule(
    'planted:de',
    'flat',
    String.raw`\b(?:hinweis|nachricht|anweisung(?:en)?)\s+(?:an|für)\s+(?:das\s+|den\s+|die\s+)?(?:sprachmodell|ki|ki-assistenten?|assistenten?|chatbot)\b|\b(?:du|sie)\s+als\s+ki(?:-assistent)?\b|\bwenn\s+(?:du|sie)\s+(?:eine?\s+)?(?:ki|sprachmodell|ki-assistent)\s+(?:bist|sind)\b|\bder\s+(?:ki-)?assistent\s+(?:muss|soll)\b`,
  ),
  rule(
    'planted:fr',
    'flat',
    String.raw`\b(?:note|message|instructions?|consigne)\s+(?:pour|à|a)\s+(?:l'|le\s+|la\s+)?(?:ia|assistant|modèle|chatbot)\b|\bsi\s+(?:tu\s+es|vous\s+êtes)\s+(?:un\s+|une\s+)?(?:ia|assistant|modèle\s+de\s+langage|chatbot)\b|\bne\s+(?:tiens|tenez)\s+(?:pas|plus)\s+compte\s+(?:de\s+|des\s+)(?:tes|vos|ces)?\s*(?:consignes|instructions)|\bl'assistant\s+doit\b`,
  ),
  rule(
    'planted:pl',
    'flat',
    String.raw`\b(?:uwaga|wiadomość|instrukcja|notatka)\s+dla\s+(?:modelu|asystenta|ai|sztucznej)|\bzignoruj\s+(?:wszystkie\s+)?(?:poprzednie|wcześniejsze)|\basystencie\s+ai\b|\bjeśli\s+jesteś\s+(?:modelem|asystentem|ai\b)`,
  ),
  rule(
    'planted:tr',
    'flat',
    String.raw`\byapay\s+zeka\s+(?:asistan|model)|\bönceki\s+(?:tüm\s+)?talimatlar|\beğer\s+(?:bir\s+)?yapay\s+zeka`,
  ),
  rule(
    'planted:zh',
    'flat',
    `(?:人工智能|ai|语言模型|大模型|助手|机器人)[^。！？]{0,6}(?:说明|注意|指令|须知)|忽略(?:之前|以上|先前|前面|上述)|(?:ai|人工智能|语言模型)?助手(?:必须|应该|应当|务必)`,
  ),
  rule(
    'planted:ja',
    'flat',
    `(?:aiアシスタント|アシスタント|言語モデル|ai)への(?:注意|指示|メモ|お知らせ)|(?:以前|前|上記)の指示を(?:すべて|全て)?無視|(?:言語モデル|aiアシスタント)は[^。]{0,40}(?:必ず|すること|してください)`,
  ),
];

/** The names of the rules that fire on a passage's views. */
export function matchPlantedRules(views: PassageViews): string[] {
  return PLANTED_RULES.filter((candidate) => candidate.pattern.test(views[candidate.view])).map(
    (candidate) => candidate.name,
  );
}
