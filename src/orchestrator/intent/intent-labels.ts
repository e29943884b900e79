// The intents every chat message is classified into before retrieval, and the one place where
// CLINC150's 150 intents (plus its `oos`) are mapped onto them. The mapping reads CLINC as a
// support bot would: requests about the user's account, orders, bookings, work benefits or the
// bot's own settings are in scope (`question` when they ask, `action` when they ask the bot to do
// something); general knowledge, personal-assistant chores and entertainment are `out_of_scope`.

/** The intents, in the order of the model's outputs. */
export const INTENTS = [
  'greeting',
  'thanks',
  'question',
  'follow_up',
  'vague',
  'human',
  'out_of_scope',
  'action',
] as const;

/**
 * What a message wants. `greeting`: a greeting or small talk (hi, are you a bot, what's your name);
 * `thanks`: thanks or goodbye; `question`: a question for the knowledge base; `follow_up`: a
 * message that needs the conversation to be understood ("and how do I turn it off?", "yes");
 * `vague`: a request too vague to answer ("it doesn't work"); `human`: asks for a person;
 * `out_of_scope`: outside a support bot's scope; `action`: asks the bot to do something.
 */
export type Intent = (typeof INTENTS)[number];

export function isIntent(value: string): value is Intent {
  return (INTENTS as readonly string[]).includes(value);
}

const group = (intent: Intent, names: string[]) => names.map((name) => [name, intent] as const);

/** CLINC150 intent name -> ours (see `mapClincIntent` for the one rule that reads the text). Every CLINC intent is listed; an unknown name is an error. */
export const CLINC_INTENTS: ReadonlyMap<string, Intent> = new Map([
  // Small talk with the bot itself, and the user or bot names: answered by the small-talk reply.
  ...group('greeting', [
    'greeting',
    'how_old_are_you',
    'what_is_your_name',
    'are_you_a_bot',
    'what_can_i_ask_you',
    'who_made_you',
    'who_do_you_work_for',
    'do_you_have_pets',
    'what_are_your_hobbies',
    'where_are_you_from',
    'tell_joke',
    'fun_fact',
    'meaning_of_life',
    'user_name',
    'change_user_name',
    'change_ai_name',
  ]),
  // Closing the conversation.
  ...group('thanks', ['thank_you', 'goodbye']),
  // Replies that mean nothing without the previous turn: answers to the bot's question ("yes",
  // "maybe"), "say that again", "never mind, cancel that".
  ...group('follow_up', ['yes', 'no', 'maybe', 'repeat', 'cancel']),
  // Questions a bank's, employer's or shop's support knowledge base (or an account lookup) answers.
  ...group('question', [
    // banking
    'routing',
    'bill_due',
    'account_blocked',
    'interest_rate',
    'min_payment',
    'bill_balance',
    'balance',
    'spending_history',
    'transactions',
    // credit cards
    'replacement_card_duration',
    'expiration_date',
    'improve_credit_score',
    'card_declined',
    'apr',
    'credit_limit',
    'rewards_balance',
    'application_status',
    'credit_score',
    'international_fees',
    // orders and bookings already made
    'order_status',
    'confirm_reservation',
    'flight_status',
    'lost_luggage',
    'carry_on',
    // work: pay, leave and benefits
    'pto_request_status',
    'next_holiday',
    'insurance',
    'meeting_schedule',
    'payday',
    'taxes',
    'income',
    'pto_balance',
    'pto_used',
    'w2',
    'direct_deposit',
  ]),
  // Asking the service to change something: payments, cards, bookings, orders, leave, the bot's
  // own settings.
  ...group('action', [
    'freeze_account',
    'pin_change',
    'pay_bill',
    'transfer',
    'order_checks',
    'report_fraud',
    'report_lost_card',
    'damaged_card',
    'credit_limit_change',
    'redeem_rewards',
    'new_card',
    'restaurant_reservation',
    'cancel_reservation',
    'order',
    'book_flight',
    'book_hotel',
    'car_rental',
    'travel_notification',
    'schedule_maintenance',
    'pto_request',
    'insurance_change',
    'schedule_meeting',
    'rollover_401k',
    'reset_settings',
    'sync_device',
    'change_language',
    'change_speed',
    'change_volume',
    'change_accent',
    'whisper_mode',
  ]),
  // General knowledge, cooking, cars and commuting, travel facts, personal-assistant chores
  // (music, lists, reminders, alarms, calls, smart home) and CLINC's own out-of-scope queries.
  ...group('out_of_scope', [
    'oos',
    // kitchen and dining
    'food_last',
    'how_busy',
    'ingredients_list',
    'calories',
    'nutrition_info',
    'recipe',
    'restaurant_reviews',
    'meal_suggestion',
    'restaurant_suggestion',
    'ingredient_substitution',
    'cook_time',
    'accept_reservations',
    // home
    'what_song',
    'play_music',
    'next_song',
    'update_playlist',
    'smart_home',
    'todo_list',
    'todo_list_update',
    'shopping_list',
    'shopping_list_update',
    'reminder',
    'reminder_update',
    'calendar',
    'calendar_update',
    // auto and commute
    'current_location',
    'oil_change_when',
    'oil_change_how',
    'uber',
    'traffic',
    'tire_pressure',
    'gas',
    'mpg',
    'distance',
    'directions',
    'last_maintenance',
    'gas_type',
    'tire_change',
    'jump_start',
    // travel facts
    'plug_type',
    'translate',
    'international_visa',
    'timezone',
    'exchange_rate',
    'travel_suggestion',
    'travel_alert',
    'vaccines',
    // utility
    'weather',
    'alarm',
    'date',
    'find_phone',
    'share_location',
    'timer',
    'make_call',
    'calculator',
    'definition',
    'measurement_conversion',
    'flip_coin',
    'spelling',
    'time',
    'roll_dice',
    'text',
  ]),
]);

/** Our intent for a CLINC150 intent name; throws on a name the mapping does not list. */
export function mapClincIntent(name: string, text?: string): Intent {
  const intent = CLINC_INTENTS.get(name);
  if (!intent) throw new Error(`no mapping for CLINC intent "${name}"`);
  // CLINC words many of its requests as how-to questions ("how do i change my insurance
  // policy"); a support bot answers those from its documents, as "how do I reset my password"
  // against "reset my password", so they are questions, not actions.
  if (intent === 'action' && text !== undefined && ASKS_HOW_TO.test(text.trim())) return 'question';
  return intent;
}

/** The openings of a message asking how to do something rather than asking for it done. */
const ASKS_HOW_TO =
  /^(how (do|can|would|should|might|could) (i|we|one)\b|what (do|should|would) i (do|need)|what('s| is) the (process|procedure|way)|is there a way|where (do|can|should) i|can you (tell|explain|show) me how|what are the steps|tell me how)/i;
