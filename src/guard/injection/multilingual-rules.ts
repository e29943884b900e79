// Rules for the same unambiguous shapes as injection-rules.ts in more languages (Italian, Polish,
// Portuguese, Dutch, Turkish, Chinese, Japanese, Korean, Arabic, Hindi in Devanagari and
// transliterated), plus paraphrases of the override in English, fake role tags and headings
// ("<system>", "### new instructions ###", "[INST]"), and a translation wrapper around an
// override. Texts are normalised (folded, lower case, whitespace collapsed) before matching.
// Scripts without spaces between words (Chinese, Japanese) need no word boundaries.
import { type InjectionRule, rule } from './injection-rule.js';

// "previous/above/all instructions" in each language, for the override rules.
const EARLIER = `(?:previous|prior|earlier|above|preceding|original|initial|system)`;

export const MULTILINGUAL_RULES: readonly InjectionRule[] = [
  rule(
    'override:paraphrase',
    String.raw`\b(?:pay\s+no\s+(?:attention|heed)\s+to|set\s+aside|discard|throw\s+(?:away|out)|abandon|dismiss|erase|wipe|scrap|cancel|nullify|overwrite|do\s+not\s+follow|don'?t\s+follow|stop\s+following|no\s+longer\s+follow)\s+(?:all\s+)?(?:of\s+)?(?:the\s+|your\s+|any\s+)?(?:${EARLIER}\s+)?(?:instructions?|directives?|guidance|guidelines|rules|orders|prompts?|programming|commands|thoughts|setup)\b|\b${EARLIER}\s+(?:instructions?|directives?|rules|orders|guidelines|prompts?)\s+(?:no\s+longer\s+(?:apply|matter|count)|(?:are|is)\s+(?:now\s+)?(?:void|cancell?ed|obsolete|revoked|null|irrelevant|lifted))\b|\b(?:forget|ignore|disregard|pay\s+no\s+attention\s+to)\s+(?:what|whatever|everything)\s+(?:you\s+(?:were|have\s+been)\s+(?:told|given|instructed)|(?:i|we|they)\s+(?:told|said\s+to)\s+you)\b`,
    /pay no|set aside|discard|throw|abandon|dismiss|erase|wipe|scrap|cancel|nullify|overwrite|follow|no longer|void|obsolete|revoked|null|irrelevant|lifted|told|given|instructed|said to/,
  ),
  rule(
    'override:it',
    String.raw`\b(?:ignora|ignorate|dimentica|dimenticate|trascura|non\s+seguire)\s+(?:tutte\s+|tutto|ogni\s+|qualsiasi\s+)?(?:le\s+|i\s+|gli\s+|l')?(?:istruzioni|indicazioni|regole|comandi|ordini|precedenti|quanto|ciò)`,
  ),
  rule(
    'override:pl',
    String.raw`\b(?:zignoruj(?:cie)?|ignoruj(?:cie)?|zapomnij(?:cie)?|pomiń)\s+(?:o\s+)?(?:wszystkie\s+|wszystko|wcześniejsze\s+|poprzednie\s+|powyższe\s+|swoje\s+)?(?:poprzednie\s+|wcześniejsze\s+|powyższe\s+)?(?:instrukcje|polecenia|zasady|reguły|wytyczne|co\b)`,
  ),
  rule(
    'override:pt-nl',
    String.raw`\b(?:ignore|ignora|esqueça|esquece|desconsidere)\s+(?:todas\s+as|todos\s+os|tudo|as|suas|tuas)\s*(?:instruções|regras|anteriores|ordens)?|\b(?:negeer|vergeet)\s+(?:alle|al|de|je|jouw|wat)\s*(?:vorige\s+|eerdere\s+)?(?:instructies|regels|opdrachten|je\s+kreeg|hierboven)?`,
  ),
  rule(
    'override:tr',
    String.raw`(?:önceki|yukarıdaki|tüm|bütün|eski)\s+(?:\S+\s+)?(?:talimatları|talimatlarını|komutları|kuralları|yönergeleri)\s+(?:unut|yok\s+say|görmezden\s+gel|dikkate\s+alma|boşver)`,
  ),
  rule(
    'override:zh',
    `(?:忽略|忽视|无视|忘记|忘掉|不要理会|不要遵守|无需遵守|丢弃|放弃)(?:掉)?(?:你)?(?:之前|以前|先前|前面|上面|以上|上述|所有|全部|一切|原来|原有|原始)(?:的)?(?:所有|全部)?(?:的)?(?:指令|指示|说明|规则|要求|命令|提示|设定|内容|约束)?|(?:忽略|無視|忘記)(?:之前|以上|所有)(?:的)?(?:指令|指示|規則)`,
    /忽略|忽视|无视|忘记|忘掉|不要理会|不要遵守|无需遵守|丢弃|放弃|無視|忘記/,
  ),
  rule(
    'override:ja',
    `(?:以前|前|上記|これまで|今まで|最初|すべて|全て|元|先ほど)の(?:すべての|全ての)?(?:指示|命令|指令|ルール|設定|制約|プロンプト)(?:は|を|も)(?:すべて|全て)?(?:無視|忘れ|破棄|取り消)|(?:指示|命令|ルール)を(?:すべて|全て)?(?:無視|忘れ)`,
    /無視|忘れ|破棄|取り消/,
  ),
  rule(
    'override:ko',
    String.raw`(?:이전|위의|앞의|모든|기존|지금까지의|원래)\s*(?:의\s*)?(?:모든\s*)?(?:지시|지침|명령|규칙|지시사항|안내|프롬프트)\s*(?:을|를|은|는|사항을|들을)?\s*(?:모두\s*|전부\s*)?(?:무시|잊어|잊으|따르지)`,
    /무시|잊어|잊으|따르지/,
  ),
  rule(
    'override:ar',
    String.raw`(?:تجاهل|تجاهلي|انس|انسى|انسي|اهمل|أهمل|لا\s+تتبع)\s+(?:جميع|كل|كافة)?\s*(?:التعليمات|الأوامر|القواعد|التوجيهات|ما\s+سبق|ما\s+قيل)`,
    /تجاهل|انس|اهمل|أهمل|تتبع/,
  ),
  rule(
    'override:hi',
    String.raw`\b(?:pichhle|pichle|pehle\s+ke|purane|sabhi|saare|sare|upar\s+ke|diye\s+gaye)\s+(?:sabhi\s+|saare\s+)?(?:nirdesh|nirdeshon|nirdesho|instructions?|aadesh|aadeshon|niyam|niyamon)\s+(?:ko\s+)?(?:bhool|bhul|ignore|nazarandaz|anadekha|mat\s+mano)|\b(?:sab\s+kuch|sabkuch|jo\s+(?:bhi\s+)?(?:pehle|maine)\s+(?:kaha|bola))\s+(?:\S+\s+){0,2}(?:bhool|bhul)\s+(?:jao|jaao|jaiye|ja)|yaad\s+na\s+karen|(?:पिछले|सभी|पहले\s+के|ऊपर\s+के)\s+(?:सभी\s+)?(?:निर्देश|निर्देशों|आदेश|आदेशों|नियम|नियमों)\s+(?:को\s+)?(?:भूल|अनदेखा|नज़रअंदाज़|नजरअंदाज)`,
    /bhool|bhul|ignore|nazarandaz|anadekha|mat mano|yaad na|भूल|अनदेखा|नज़रअंदाज़|नजरअंदाज/,
  ),
  rule(
    'jailbreak:now-you-are-multilingual',
    String.raw`\b(?:da\s+(?:ora|adesso)\s+in\s+poi,?\s+(?:tu\s+)?sei|(?:ora|adesso),?\s+(?:tu\s+)?sei\s+(?:un|una|uno|il|la|lo)\s|(?:od\s+)?teraz\s+jesteś|(?:a\s+partir\s+de\s+)?agora,?\s+(?:você\s+é|tu\s+és|es)|(?:a\s+partir\s+de\s+)?ahora,?\s+(?:tú\s+)?eres|(?:à\s+partir\s+de\s+maintenant|désormais|dorénavant),?\s+(?:tu\s+es|vous\s+êtes)|(?:tu\s+es|vous\s+êtes)\s+maintenant|(?:vanaf\s+nu\s+ben\s+je|je\s+bent\s+nu)|(?:artık|şu\s+andan\s+itibaren|bundan\s+sonra)\s+(?:sen\s+)?bir\s+\S+(?:sın|sin|sun|sün)\b|(?:ab|abhi\s+se|aaj\s+se)\s+(?:tum|aap)\s+ek\s+\S+\s+(?:ho|hain)\b)(?!\s*(?:pronto|pronta|gotowy|gotowa|listo|lista|prêt|prête|klaar|capaz|capable|capace|in\s+grado|en\s+mesure|w\s+stanie|able)\b)|(?:从现在开始|从现在起|现在)[,，]?\s*你(?:是|就是|将是|扮演)|(?:今から|これから|今後)[,、]?\s*(?:あなた|君|お前)は|(?:あなた|君|お前)は(?:今から|これから)|(?:지금부터|이제부터|이제)\s*(?:너는|당신은|넌)|(?:من\s+الآن\s+(?:فصاعدا|فصاعدًا)[,،]?\s*)(?:أنت|انت)|(?:أنت|انت)\s+الآن\s+(?:\S+\s+){0,2}(?:بدون|لا\s+تخضع)`,
    /sei|jesteś|você|tu és|eres|tu es|vous êtes|ben je|je bent|artık|itibaren|bundan sonra|tum|aap|你|あなた|君|お前|너는|당신은|넌|أنت|انت/,
  ),
  rule(
    'override:new-instructions-multilingual',
    String.raw`#{2,}\s*(?:new|updated|real|actual|important|override|system)\s+(?:instructions?|rules|tasks?|prompt|orders)\b|\b(?:new|updated|real|actual)\s+(?:system\s+)?instructions?\s*#{2,}|\b(?:nuove\s+istruzioni|nowe\s+instrukcje|novas\s+instruções|nuevas\s+instrucciones|nouvelles\s+instructions|neue\s+(?:anweisungen|instruktionen)|nieuwe\s+instructies|yeni\s+talimatlar|naye\s+nirdesh)\s*[:\-#]|(?:新的?指令|新的?指示|新的?任务)\s*[:：]|新しい(?:指示|命令|タスク)\s*[:：]|새로운\s*(?:지시|지침|명령)\s*[:：]|(?:تعليمات|أوامر)\s+جديدة\s*[:：]`,
    /#|istruzioni|instrukcje|instruções|instrucciones|instructions|anweisungen|instruktionen|instructies|talimatlar|nirdesh|指令|指示|任务|命令|タスク|지시|지침|명령|جديدة/,
  ),
  rule(
    'exfiltrate:system-prompt-multilingual',
    String.raw`(?:mostra(?:mi)?|rivela(?:mi)?|stampa|ripeti|dimmi)\s+(?:il\s+)?(?:tuo\s+)?prompt\s+(?:di\s+sistema|iniziale)|(?:pokaż|wypisz|ujawnij|powtórz|podaj)\s+(?:mi\s+)?(?:swój\s+|twój\s+)?(?:prompt\s+systemowy|instrukcje\s+systemowe)|(?:mostre|mostra|revele|exiba|muestra|muéstrame|revela|dime)\s+(?:me\s+)?(?:o\s+|el\s+)?(?:seu\s+|teu\s+|tu\s+)?prompt\s+(?:do|de|del)\s+sistema|(?:toon|laat)\s+(?:me\s+)?(?:je|jouw)\s+systeemprompt|sistem\s+(?:istemini|komutunu|promptunu|talimatlarını)\s+(?:göster|yaz|söyle|ver)|(?:显示|告诉我|输出|打印|重复|泄露|给我看)(?:一下)?你?的?(?:系统提示|系统指令|初始指令|系统设定)|(?:系统提示词?|系统指令)(?:是什么|发给我|输出)|システムプロンプト(?:を|は)?(?:表示|教え|見せ|出力|繰り返)|(?:시스템\s*프롬프트|시스템\s*지침)\s*(?:을|를)?\s*(?:보여|알려|출력|말해)|(?:اعرض|أظهر|اكشف|اطبع)\s+(?:لي\s+)?(?:موجه|تعليمات)\s+النظام|(?:apna|apne|aapka)\s+system\s+prompt\s+(?:dikhao|batao|likho)`,
    /prompt|systemowe|sistem|系统|システム|시스템|النظام/,
  ),
  rule(
    'override:fake-role-tag',
    String.raw`<\s*/?\s*(?:system|sys|system_prompt|im_start|instructions?|admin|developer)\s*>(?!\s*(?:tags?|tokens?|elements?|blocks?)\b)|<\|\s*(?:im_start|system|start_header_id)\s*\|>|\[\s*/?\s*(?:inst|system|sys)\s*\](?!\s*(?:tags?|tokens?|blocks?)\b)|<<\s*sys\s*>>|#{2,}\s*(?:system|admin|developer)\s*(?:prompt|message|instructions?|override)?\s*(?:#{2,}|:)|(?:^|\s)(?:system|admin)\s*(?:message|override|prompt)?\s*:\s*(?:you\s+(?:are|must|will)|ignore|disregard|forget|new\s+instructions?)\b`,
    /<\s*\/?\s*(?:system|sys|im_start|instruction|admin|developer)|<\||\[\s*\/?\s*(?:inst|system|sys)|<<\s*sys|##|(?:system|admin)\s*(?:message|override|prompt)?\s*:/,
  ),
  rule(
    'override:translate-wrapper',
    String.raw`\btranslat\w*\b[^.?!]{0,80}?[:"'“«]\s*["'“«]?\s*(?:ignore|disregard|forget|vergiss|ignoriere|oublie|ignora)\s+(?:all\s+|the\s+|alle\s+|tout\s+)?(?:above|previous|prior|preceding|earlier|instructions?|vorherigen|obigen|précédentes|everything|alles)\b`,
    /translat/,
  ),
  rule(
    'jailbreak:persona',
    String.raw`(?:^|[.!?:;]\s*)(?:imagine|pretend)\s+(?:that\s+)?you\s+(?:are|were)\s+(?:an?\s+)?(?:ai|chatbot|bot|language\s+model|model|assistant)\s+(?:that|which|who|with|without)\b|(?:^|[.!?:;]\s*)(?:imagine|pretend)\s+(?:that\s+)?you\s+(?:can|could)\s+(?:access|browse|see|predict|know|read)\b|(?:^|[.!?:;]\s*)(?:imagine|pretend)\s+(?:that\s+)?you\s+are\s+[^.?!]{1,40}[.!]\s*who\s+are\s+you\b|(?:^|[.!?:;]\s*)(?:you\s+are|du\s+bist)\s+(?:now\s+|jetzt\s+)?(?:the\s+|a\s+|an\s+|der\s+|die\s+|das\s+|ein\s+|eine\s+)?[^\s.,?!]+(?:\s+[^\s.,?!]+){0,3}\s*[.,]\s*(?:as\s+(?:the\s+)?\S+,\s*)?(?:what\s+do\s+you\s+think|tell\s+me|who\s+are\s+you|wie\s+findest\s+du|was\s+(?:denkst|hältst)\s+du|wer\s+bist\s+du|please\s+abandon)|(?:^|[.!?:;]\s*)(?:act|behave)\s+as\s+(?:a|an)\s+(?:\S+\s+)?(?:interpreter|terminal|console|shell)\b[^.]{0,40}[.:]\s*(?:execute|run)\b|\b(?:let'?s|we\s+will|we'll)\s+(?:play|do)\s+(?:a\s+)?(?:role-?play|game)\b[^.]{0,120}\byou\s+(?:are|will\s+be|play)\b[^.]{0,80}\b(?:no|without|never|any)\s+(?:rules|restrictions|limits|filters|ethics|morals)\b`,
    /imagine|pretend|you are|du bist|interpreter|terminal|console|shell|play/,
  ),
];
