// replyd self-service page. Everything shown comes from the admin API with the token the user signs
// in with; data is only ever put into the page with textContent and DOM nodes, never as HTML.
"use strict";
(() => {
  const TOKEN_KEY = "replyd.token";
  const LANG_KEY = "replyd.lang";
  const DEFAULT_TIMEZONE = "Europe/Warsaw";
  const LOG_PAGE = 30;
  const MAILBOX_PAGE = 500;
  const VARIABLES = ["sender_name", "sender_address", "owner_name", "mailbox", "start", "end",
    "deputy_name", "deputy_address", "original_subject"];

  // All UI text, one dictionary per language. {name} is replaced by a parameter.
  const STRINGS = {
    en: {
      "title": "replyd — vacation replies",
      "app.subtitle": "vacation replies",
      "app.heading": "Vacation replies",
      "skip": "Skip to content",
      "lang.label": "Language of the page",
      "signout": "Sign out",
      "signin.title": "Sign in",
      "signin.intro": "Sign in with an API token from the [[api.tokens]] section of the replyd configuration. The token is kept only in this browser tab and forgotten when you sign out or close it.",
      "signin.token": "API token",
      "signin.submit": "Sign in",
      "signin.checking": "Checking the token…",
      "signin.empty": "Enter the token.",
      "signin.wrong": "Wrong token: the server did not accept it. Check it and try again.",
      "signin.expired": "The server no longer accepts this token. Sign in again.",
      "signin.signedOut": "Signed out.",
      "error.network": "Cannot reach the server. Check the connection and try again.",
      "error.forbidden": "This token is not allowed to do this",
      "error.server": "The server reported an error",
      "error.fields": "Some fields need correcting: see the messages next to them.",
      "error.notFound": "Not found",
      "error.invalid": "The server refused the request",
      "mailboxes.title": "Mailboxes",
      "mailboxes.refresh": "Refresh",
      "mailboxes.filter": "Filter",
      "mailboxes.filterPlaceholder": "address or name",
      "mailboxes.loading": "Loading…",
      "mailboxes.empty": "No mailboxes yet.",
      "mailboxes.noMatch": "No mailbox matches the filter.",
      "mailboxes.forbidden": "This token cannot list mailboxes. Type an address below.",
      "mailboxes.summary": "Mailboxes: {count}, away now: {away}",
      "mailboxes.awayNow": "Away now",
      "badge.active": "Away",
      "badge.scheduled": "Scheduled",
      "badge.ended": "Ended",
      "badge.active.title": "Vacation reply on, {until}",
      "badge.scheduled.title": "Vacation reply from {start}",
      "badge.ended.title": "Vacation reply ended {end}",
      "until.date": "until {date}",
      "until.off": "until switched off",
      "other.label": "Another address",
      "other.open": "Open",
      "other.hint": "For an address that is not on the list (for example one accepted by catch-all).",
      "other.empty": "Enter a mail address.",
      "vacation.title": "Vacation reply",
      "vacation.choose": "Choose a mailbox from the list.",
      "vacation.loading": "Loading the settings…",
      "status.none": "Off: this mailbox has no vacation reply. Fill in the form and save to switch it on.",
      "status.active": "On: replying since {start}, {until}.",
      "status.scheduled": "Scheduled: replies start {start}, {until}.",
      "status.ended": "Ended {end}: no replies are sent. Change the dates and save to switch it on again.",
      "fs.when": "When",
      "f.start": "Start",
      "f.start.hint": "Empty: from now.",
      "f.end": "End",
      "f.end.hint": "Empty: until switched off.",
      "f.timezone": "Time zone",
      "f.timezone.hint": "Start and end are read in this zone (an IANA name such as Europe/Warsaw).",
      "fs.reply": "Reply",
      "f.subject": "Subject",
      "f.subject.hint": "Empty: “Auto: ” followed by the original subject.",
      "f.message": "Message",
      "f.message.hint": "Required. You can use the template variables listed below.",
      "f.internalEnabled": "A different message for senders from the organisation",
      "f.internalMessage": "Message for the organisation",
      "f.internalMessage.hint": "Sent to senders from the local domains instead of the message above.",
      "f.locale": "Language of dates and built-in texts in the reply",
      "locale.pl": "Polish",
      "locale.en": "English",
      "vars.title": "Template variables",
      "vars.intro": "Choose a variable to insert it at the cursor in the subject or a message. Text between {{#deputy_name}} and {{/deputy_name}} appears only when the value is set.",
      "vars.insert": "Insert {name}",
      "var.sender_name": "the sender's name",
      "var.sender_address": "the sender's address",
      "var.owner_name": "the mailbox owner's name (below)",
      "var.mailbox": "this mailbox's address",
      "var.start": "the start of the vacation",
      "var.end": "the end of the vacation (empty when there is none)",
      "var.deputy_name": "the deputy's name",
      "var.deputy_address": "the deputy's address",
      "var.original_subject": "the subject of the message being answered",
      "fs.who": "Who gets a reply",
      "f.contactsOnly": "Only senders in the contacts",
      "f.sameDomain": "Only senders from the organisation's own domains",
      "f.days": "Answer each sender at most once every … days",
      "f.days.hint": "Default 7.",
      "fs.people": "Names and addresses",
      "f.ownerName": "Owner's name",
      "f.deputyName": "Deputy's name",
      "f.deputyAddress": "Deputy's address",
      "f.aliases": "Also answer for these addresses",
      "f.aliases.hint": "Separate with commas or spaces.",
      "fs.previewAs": "Preview as an answer to",
      "p.from": "Sender's address",
      "p.fromName": "Sender's name",
      "p.subject": "Subject of the message",
      "btn.preview": "Preview reply",
      "btn.saveNew": "Save and switch on",
      "btn.save": "Save changes",
      "btn.disable": "Switch off",
      "msg.saving": "Saving…",
      "msg.saved.active": "Saved. The vacation reply is on.",
      "msg.saved.scheduled": "Saved. The vacation reply starts {start}.",
      "msg.saved.ended": "Saved, but the end has already passed: no replies will be sent.",
      "msg.disabling": "Switching off…",
      "msg.disabled": "The vacation reply is switched off. The form still holds the settings: save to switch it on again.",
      "msg.previewing": "Preparing the preview…",
      "msg.previewReady": "Preview ready below. Nothing has been saved yet.",
      "msg.daysInvalid": "Enter a whole number of days, 1 or more.",
      "msg.dateIncomplete": "Enter a complete date and time, or leave the field empty.",
      "preview.title": "Preview: the reply exactly as it will be sent",
      "preview.stale": "The form has changed since this preview. Preview again to see the current version.",
      "preview.recipient": "To",
      "preview.envelope": "Envelope sender",
      "preview.nullSender": "<> (empty, so that nothing bounces back)",
      "preview.subject": "Subject",
      "preview.body": "Text",
      "preview.raw": "The raw message (headers and encoded text)",
      "log.title": "Recent messages",
      "log.refresh": "Refresh",
      "log.more": "Older messages",
      "log.empty": "No messages yet.",
      "log.loading": "Loading…",
      "log.updated": "Updated {time}.",
      "log.hint": "Choose a message to see every rule that was checked.",
      "log.col.time": "Received",
      "log.col.from": "From",
      "log.col.to": "To",
      "log.col.subject": "Subject",
      "log.col.decision": "Decision",
      "log.col.delivery": "Reply delivery",
      "log.open": "Show the decision details of message {id}",
      "log.nullSender": "<> (empty)",
      "log.noSubject": "(no subject)",
      "log.none": "—",
      "details.title": "Message {id}",
      "details.close": "Close",
      "details.loading": "Loading…",
      "details.from": "From",
      "details.to": "To",
      "details.subject": "Subject",
      "details.received": "Received",
      "details.recipient": "Recipient {address}",
      "details.mailbox": "Mailbox",
      "details.result": "Decision",
      "details.reply": "Reply",
      "details.attempts": "Delivery attempts",
      "details.noDecisions": "Nothing was decided for this message (no recipient with a mailbox).",
      "details.rule": "Rule",
      "details.check": "Result",
      "details.detail": "Details",
      "check.passed": "passed",
      "check.failed": "stopped the reply",
      "reason.replied": "Replied",
      "reason.no-vacation": "No vacation reply for this mailbox",
      "reason.outside-schedule": "Outside the vacation dates",
      "reason.null-sender": "Bounce or notification (empty sender)",
      "reason.own-address": "Sent from the mailbox's own address",
      "reason.automated-sender": "Automated sender (no-reply, mailer-daemon, …)",
      "reason.auto-submitted": "Automatic message (Auto-Submitted)",
      "reason.list-mail": "Mailing list message",
      "reason.precedence-bulk": "Bulk or junk mail (Precedence)",
      "reason.auto-response-suppressed": "The sender asked for no automatic replies",
      "reason.not-explicitly-addressed": "The mailbox is not in To or Cc",
      "reason.not-a-contact": "The sender is not in the contacts",
      "reason.other-domain": "The sender is outside the organisation",
      "reason.already-replied-within-period": "This sender was answered recently",
      "reason.rate-limited": "Too many replies in the last hour",
      "reason.spf-not-allowed": "The sender's domain does not allow this server (SPF): a forged sender",
      "reason.list": "Handled by a mail list",
      "reason.suppressed": "Not answered",
      "delivery.pending": "waiting to be sent",
      "delivery.queued": "waiting to be sent",
      "delivery.deferred": "deferred, will be retried",
      "delivery.sent": "sent",
      "delivery.failed": "failed",
      "delivery.dropped": "dropped",
      "delivery.suppressed": "suppressed",
      "delivery.unknown": "unknown (no longer in the queue)",
    },
    pl: {
      "title": "replyd — odpowiedzi urlopowe",
      "app.subtitle": "odpowiedzi urlopowe",
      "app.heading": "Odpowiedzi urlopowe",
      "skip": "Przejdź do treści",
      "lang.label": "Język strony",
      "signout": "Wyloguj",
      "signin.title": "Logowanie",
      "signin.intro": "Zaloguj się tokenem API z sekcji [[api.tokens]] konfiguracji replyd. Token jest przechowywany tylko w tej karcie przeglądarki i zostaje zapomniany po wylogowaniu lub jej zamknięciu.",
      "signin.token": "Token API",
      "signin.submit": "Zaloguj",
      "signin.checking": "Sprawdzanie tokenu…",
      "signin.empty": "Wpisz token.",
      "signin.wrong": "Nieprawidłowy token: serwer go nie przyjął. Sprawdź go i spróbuj ponownie.",
      "signin.expired": "Serwer nie przyjmuje już tego tokenu. Zaloguj się ponownie.",
      "signin.signedOut": "Wylogowano.",
      "error.network": "Brak połączenia z serwerem. Sprawdź połączenie i spróbuj ponownie.",
      "error.forbidden": "Ten token nie ma uprawnień do tej operacji",
      "error.server": "Serwer zgłosił błąd",
      "error.fields": "Popraw zaznaczone pola: opisy błędów są obok nich.",
      "error.notFound": "Nie znaleziono",
      "error.invalid": "Serwer odrzucił żądanie",
      "mailboxes.title": "Skrzynki",
      "mailboxes.refresh": "Odśwież",
      "mailboxes.filter": "Filtr",
      "mailboxes.filterPlaceholder": "adres lub nazwa",
      "mailboxes.loading": "Wczytywanie…",
      "mailboxes.empty": "Nie ma jeszcze skrzynek.",
      "mailboxes.noMatch": "Żadna skrzynka nie pasuje do filtra.",
      "mailboxes.forbidden": "Ten token nie pozwala wyświetlić listy skrzynek. Wpisz adres poniżej.",
      "mailboxes.summary": "Skrzynki: {count}, teraz na urlopie: {away}",
      "mailboxes.awayNow": "Teraz na urlopie",
      "badge.active": "Na urlopie",
      "badge.scheduled": "Zaplanowany",
      "badge.ended": "Zakończony",
      "badge.active.title": "Odpowiedź urlopowa włączona, {until}",
      "badge.scheduled.title": "Odpowiedź urlopowa od {start}",
      "badge.ended.title": "Odpowiedź urlopowa zakończona {end}",
      "until.date": "do {date}",
      "until.off": "do wyłączenia",
      "other.label": "Inny adres",
      "other.open": "Otwórz",
      "other.hint": "Dla adresu spoza listy (na przykład przyjmowanego przez catch-all).",
      "other.empty": "Wpisz adres e-mail.",
      "vacation.title": "Odpowiedź urlopowa",
      "vacation.choose": "Wybierz skrzynkę z listy.",
      "vacation.loading": "Wczytywanie ustawień…",
      "status.none": "Wyłączona: ta skrzynka nie ma odpowiedzi urlopowej. Wypełnij formularz i zapisz, aby ją włączyć.",
      "status.active": "Włączona: odpowiada od {start}, {until}.",
      "status.scheduled": "Zaplanowana: odpowiedzi od {start}, {until}.",
      "status.ended": "Zakończona {end}: odpowiedzi nie są wysyłane. Zmień daty i zapisz, aby włączyć ją ponownie.",
      "fs.when": "Termin",
      "f.start": "Początek",
      "f.start.hint": "Puste: od teraz.",
      "f.end": "Koniec",
      "f.end.hint": "Puste: do wyłączenia.",
      "f.timezone": "Strefa czasowa",
      "f.timezone.hint": "Początek i koniec są czytane w tej strefie (nazwa IANA, np. Europe/Warsaw).",
      "fs.reply": "Odpowiedź",
      "f.subject": "Temat",
      "f.subject.hint": "Puste: „Auto: ” i temat oryginalnej wiadomości.",
      "f.message": "Treść odpowiedzi",
      "f.message.hint": "Wymagana. Możesz użyć zmiennych szablonu wymienionych poniżej.",
      "f.internalEnabled": "Inna treść dla nadawców z organizacji",
      "f.internalMessage": "Treść dla organizacji",
      "f.internalMessage.hint": "Wysyłana nadawcom z domen lokalnych zamiast treści powyżej.",
      "f.locale": "Język dat i tekstów wbudowanych w odpowiedzi",
      "locale.pl": "polski",
      "locale.en": "angielski",
      "vars.title": "Zmienne szablonu",
      "vars.intro": "Wybierz zmienną, aby wstawić ją w miejscu kursora w temacie lub treści. Tekst między {{#deputy_name}} a {{/deputy_name}} pojawia się tylko wtedy, gdy wartość jest ustawiona.",
      "vars.insert": "Wstaw {name}",
      "var.sender_name": "imię i nazwisko nadawcy",
      "var.sender_address": "adres nadawcy",
      "var.owner_name": "imię i nazwisko właściciela skrzynki (poniżej)",
      "var.mailbox": "adres tej skrzynki",
      "var.start": "początek urlopu",
      "var.end": "koniec urlopu (puste, gdy nie ma końca)",
      "var.deputy_name": "imię i nazwisko zastępcy",
      "var.deputy_address": "adres zastępcy",
      "var.original_subject": "temat wiadomości, na którą jest odpowiedź",
      "fs.who": "Kto dostaje odpowiedź",
      "f.contactsOnly": "Tylko nadawcy z kontaktów",
      "f.sameDomain": "Tylko nadawcy z domen organizacji",
      "f.days": "Odpowiadaj temu samemu nadawcy najwyżej raz na … dni",
      "f.days.hint": "Domyślnie 7.",
      "fs.people": "Osoby i adresy",
      "f.ownerName": "Imię i nazwisko właściciela",
      "f.deputyName": "Imię i nazwisko zastępcy",
      "f.deputyAddress": "Adres zastępcy",
      "f.aliases": "Odpowiadaj też na te adresy",
      "f.aliases.hint": "Oddziel przecinkami lub spacjami.",
      "fs.previewAs": "Podgląd odpowiedzi na wiadomość",
      "p.from": "Adres nadawcy",
      "p.fromName": "Imię i nazwisko nadawcy",
      "p.subject": "Temat wiadomości",
      "btn.preview": "Podgląd odpowiedzi",
      "btn.saveNew": "Zapisz i włącz",
      "btn.save": "Zapisz zmiany",
      "btn.disable": "Wyłącz",
      "msg.saving": "Zapisywanie…",
      "msg.saved.active": "Zapisano. Odpowiedź urlopowa jest włączona.",
      "msg.saved.scheduled": "Zapisano. Odpowiedź urlopowa zacznie działać {start}.",
      "msg.saved.ended": "Zapisano, ale koniec już minął: odpowiedzi nie będą wysyłane.",
      "msg.disabling": "Wyłączanie…",
      "msg.disabled": "Odpowiedź urlopowa jest wyłączona. Formularz zachował ustawienia: zapisz, aby włączyć ją ponownie.",
      "msg.previewing": "Przygotowywanie podglądu…",
      "msg.previewReady": "Podgląd jest poniżej. Nic nie zostało jeszcze zapisane.",
      "msg.daysInvalid": "Wpisz liczbę całkowitą dni, co najmniej 1.",
      "msg.dateIncomplete": "Wpisz pełną datę i godzinę albo zostaw pole puste.",
      "preview.title": "Podgląd: odpowiedź dokładnie taka, jaka zostanie wysłana",
      "preview.stale": "Formularz zmienił się od tego podglądu. Wygeneruj podgląd ponownie, aby zobaczyć aktualną wersję.",
      "preview.recipient": "Do",
      "preview.envelope": "Nadawca koperty",
      "preview.nullSender": "<> (pusty, aby nic nie wracało)",
      "preview.subject": "Temat",
      "preview.body": "Treść",
      "preview.raw": "Surowa wiadomość (nagłówki i zakodowana treść)",
      "log.title": "Ostatnie wiadomości",
      "log.refresh": "Odśwież",
      "log.more": "Starsze wiadomości",
      "log.empty": "Nie ma jeszcze wiadomości.",
      "log.loading": "Wczytywanie…",
      "log.updated": "Zaktualizowano {time}.",
      "log.hint": "Wybierz wiadomość, aby zobaczyć wszystkie sprawdzone reguły.",
      "log.col.time": "Odebrano",
      "log.col.from": "Od",
      "log.col.to": "Do",
      "log.col.subject": "Temat",
      "log.col.decision": "Decyzja",
      "log.col.delivery": "Doręczenie odpowiedzi",
      "log.open": "Pokaż szczegóły decyzji dla wiadomości {id}",
      "log.nullSender": "<> (pusty)",
      "log.noSubject": "(bez tematu)",
      "log.none": "—",
      "details.title": "Wiadomość {id}",
      "details.close": "Zamknij",
      "details.loading": "Wczytywanie…",
      "details.from": "Od",
      "details.to": "Do",
      "details.subject": "Temat",
      "details.received": "Odebrano",
      "details.recipient": "Odbiorca {address}",
      "details.mailbox": "Skrzynka",
      "details.result": "Decyzja",
      "details.reply": "Odpowiedź",
      "details.attempts": "Próby doręczenia",
      "details.noDecisions": "Dla tej wiadomości nie podjęto żadnej decyzji (brak odbiorcy ze skrzynką).",
      "details.rule": "Reguła",
      "details.check": "Wynik",
      "details.detail": "Szczegóły",
      "check.passed": "spełniona",
      "check.failed": "zablokowała odpowiedź",
      "reason.replied": "Wysłano odpowiedź",
      "reason.no-vacation": "Skrzynka nie ma odpowiedzi urlopowej",
      "reason.outside-schedule": "Poza terminem urlopu",
      "reason.null-sender": "Zwrotka lub powiadomienie (pusty nadawca)",
      "reason.own-address": "Wysłane z adresu tej skrzynki",
      "reason.automated-sender": "Nadawca automatyczny (no-reply, mailer-daemon, …)",
      "reason.auto-submitted": "Wiadomość automatyczna (Auto-Submitted)",
      "reason.list-mail": "Wiadomość z listy dyskusyjnej",
      "reason.precedence-bulk": "Poczta masowa lub śmieci (Precedence)",
      "reason.auto-response-suppressed": "Nadawca prosi o brak automatycznych odpowiedzi",
      "reason.not-explicitly-addressed": "Skrzynki nie ma w polach Do ani DW",
      "reason.not-a-contact": "Nadawcy nie ma w kontaktach",
      "reason.other-domain": "Nadawca spoza organizacji",
      "reason.already-replied-within-period": "Temu nadawcy niedawno już odpowiedziano",
      "reason.rate-limited": "Za dużo odpowiedzi w ostatniej godzinie",
      "reason.spf-not-allowed": "Domena nadawcy nie zezwala na ten serwer (SPF): nadawca podrobiony",
      "reason.list": "Obsłużone przez listę pocztową",
      "reason.suppressed": "Bez odpowiedzi",
      "delivery.pending": "czeka na wysłanie",
      "delivery.queued": "czeka na wysłanie",
      "delivery.deferred": "odłożona, będzie ponowiona",
      "delivery.sent": "wysłana",
      "delivery.failed": "nieudana",
      "delivery.dropped": "usunięta z kolejki",
      "delivery.suppressed": "wstrzymana",
      "delivery.unknown": "nieznany (już nie w kolejce)",
    },
  };

  // The API's field messages are English; the common ones are translated for the Polish page (the
  // original stays in the element's title).
  const API_MESSAGES_PL = [
    [/^(is required|required)$/, () => "To pole jest wymagane."],
    [/^is empty$/, () => "To pole nie może być puste."],
    [/^must be after start$/, () => "Koniec musi być później niż początek."],
    [/^must be at least 1$/, () => "Musi wynosić co najmniej 1."],
    [/^must be pl or en$/, () => "Dozwolone: pl lub en."],
    [/^is over the site maximum of (\d+)/, (m) => `Przekracza maksimum ustawione na serwerze: ${m[1]} (replies.max_days).`],
    [/^cannot read "(.*)" as a date$/, (m) => `Nie można odczytać „${m[1]}” jako daty.`],
    [/^unknown time zone "(.*)"/, (m) => `Nieznana strefa czasowa „${m[1]}” (użyj nazwy IANA, np. Europe/Warsaw).`],
    [/^"(.*)" is not a mail address$/, (m) => `„${m[1]}” nie jest adresem e-mail.`],
    [/^(.*) is not a local domain/, (m) => `${m[1]} nie jest domeną lokalną (mail.local_domains).`],
    [/^template does not parse: ?(.*)$/s, (m) => `Szablon jest niepoprawny: ${m[1]}`],
    [/^expected an integer/, () => "Wpisz liczbę całkowitą."],
  ];

  // API field name -> input id. Preview errors name the settings as `settings.<field>`.
  const FIELDS = {
    start: "field-start", end: "field-end", timezone: "field-timezone", locale: "field-locale",
    subject: "field-subject", message: "field-message", internal_message: "field-internal-message",
    contacts_only: "field-contacts-only", same_domain: "field-same-domain", days: "field-days",
    owner_name: "field-owner-name", deputy_name: "field-deputy-name", deputy_address: "field-deputy-address",
    aliases: "field-aliases",
  };
  const PREVIEW_FIELDS = { from: "preview-from", from_name: "preview-from-name", subject: "preview-subject" };

  const state = {
    lang: "en",
    token: null,
    mailboxes: [],
    mailboxesLoaded: false,
    mailboxesForbidden: false,
    selected: null,
    selectedName: null,
    vacation: null,
    vacationLoading: false,
    requestSerial: 0,
    preview: null,
    previewStale: false,
    lastTemplateField: "field-message",
    log: [],
    logNext: null,
    logLoaded: false,
    logUpdated: null,
    detailsId: null,
    details: null,
    detailsError: null,
    messages: {},
    fieldErrors: {},
  };

  const $ = (id) => document.getElementById(id);

  // --- small DOM helpers -------------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function storageGet(storage, key) {
    try { return window[storage].getItem(key); } catch (e) { return null; }
  }

  function storageSet(storage, key, value) {
    try {
      if (value === null) window[storage].removeItem(key);
      else window[storage].setItem(key, value);
    } catch (e) { /* storage disabled: the choice lasts for this page only */ }
  }

  // --- text ------------------------------------------------------------------------------------------

  function t(key, params) {
    let text = STRINGS[state.lang][key];
    if (text === undefined) text = STRINGS.en[key];
    if (text === undefined) return key;
    if (params) text = text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
    return text;
  }

  function has(key) { return STRINGS.en[key] !== undefined; }

  function apiText(message) {
    const text = String(message);
    if (state.lang !== "pl") return text;
    for (const [pattern, make] of API_MESSAGES_PL) {
      const match = pattern.exec(text);
      if (match) return make(match);
    }
    return text;
  }

  function localeTag() { return state.lang === "pl" ? "pl-PL" : "en-GB"; }

  function browserTimeZone() {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || null; } catch (e) { return null; }
  }

  // An ISO 8601 instant for people, in `timeZone` (the vacation's zone) or the browser's.
  function formatDate(iso, timeZone) {
    const date = new Date(iso);
    if (!iso || Number.isNaN(date.getTime())) return iso || "";
    const options = { dateStyle: "medium", timeStyle: "short" };
    let text;
    try {
      text = new Intl.DateTimeFormat(localeTag(), timeZone ? { ...options, timeZone } : options).format(date);
    } catch (e) {
      text = new Intl.DateTimeFormat(localeTag(), options).format(date);
      timeZone = null;
    }
    if (timeZone && timeZone !== browserTimeZone()) text += ` (${timeZone})`;
    return text;
  }

  function formatTime(date) {
    return new Intl.DateTimeFormat(localeTag(), { timeStyle: "medium" }).format(date);
  }

  // `2026-12-20T09:00:00+01:00` (the wall time in the vacation's zone) -> `2026-12-20T09:00`.
  function toLocalInput(iso) {
    const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})/.exec(iso || "");
    return match ? `${match[1]}T${match[2]}` : "";
  }

  // A mailbox's or a vacation's state: none, active, scheduled or ended.
  function vacationPhase(summary) {
    if (!summary) return "none";
    if (summary.active) return "active";
    const start = Date.parse(summary.start);
    if (!Number.isNaN(start) && start > Date.now()) return "scheduled";
    return "ended";
  }

  function untilText(end, timeZone) {
    return end ? t("until.date", { date: formatDate(end, timeZone) }) : t("until.off");
  }

  // --- messages (kept as keys so a language switch re-translates them) -----------------------------

  function setMessage(id, message) {
    state.messages[id] = message || null;
    renderMessage(id);
  }

  function renderMessage(id) {
    const node = $(id);
    const message = state.messages[id];
    if (!node) return;
    if (!message) {
      node.hidden = true;
      node.textContent = "";
      node.removeAttribute("data-kind");
      return;
    }
    // A parameter {iso, timeZone} is a date, formatted now so that it follows the language.
    const params = {};
    for (const [name, value] of Object.entries(message.params || {})) {
      params[name] = value && typeof value === "object" ? formatDate(value.iso, value.timeZone) : value;
    }
    let text = message.key ? t(message.key, params) : "";
    if (message.detail) {
      const detail = apiText(message.detail);
      text = text ? `${text}${/[.!?…]$/.test(text) ? " " : ": "}${detail}` : detail;
      if (!/[.!?…]$/.test(text)) text += ".";
    }
    node.textContent = text;
    node.dataset.kind = message.kind || "info";
    node.hidden = false;
  }

  class APIError extends Error {
    constructor(status, message, fields) {
      super(message);
      this.status = status;
      this.fields = fields;
    }
  }

  // What to tell the user about a failed call.
  function errorMessage(error) {
    if (!(error instanceof APIError)) return { key: "error.server", detail: String(error && error.message || error), kind: "error" };
    if (error.status === 0) return { key: "error.network", kind: "error" };
    if (error.status === 401) return { key: "signin.expired", kind: "error" };
    if (error.status === 403) return { key: "error.forbidden", detail: error.message, kind: "error" };
    if (error.status === 404) return { key: "error.notFound", detail: error.message, kind: "error" };
    if (error.status === 400 && error.fields) return { key: "error.fields", kind: "error" };
    return { key: "error.server", detail: `${error.status} ${error.message || ""}`.trim(), kind: "error" };
  }

  // --- the API -------------------------------------------------------------------------------------

  async function api(method, path, body, options) {
    const token = (options && options.token) || state.token;
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    const init = { method, headers, cache: "no-store", credentials: "omit" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      throw new APIError(0, String(e && e.message || e), null);
    }
    let data = null;
    const text = await response.text().catch(() => "");
    if (text) {
      try { data = JSON.parse(text); } catch (e) { data = null; }
    }
    if (!response.ok) {
      const message = data && typeof data.error === "string" ? data.error : response.statusText;
      const fields = data && data.fields && typeof data.fields === "object" ? data.fields : null;
      const error = new APIError(response.status, message, fields);
      if (response.status === 401 && !(options && options.signingIn) && state.token) {
        signOut({ key: "signin.expired", kind: "error" });
      }
      throw error;
    }
    return data;
  }

  const mailboxPath = (address) => `/api/v1/mailboxes/${encodeURIComponent(address).replace(/%40/g, "@")}`;

  // --- language ----------------------------------------------------------------------------------

  function initialLanguage() {
    const saved = storageGet("localStorage", LANG_KEY);
    if (saved === "pl" || saved === "en") return saved;
    const browser = String(navigator.language || "").toLowerCase();
    return browser.startsWith("pl") ? "pl" : "en";
  }

  function setLanguage(lang, remember) {
    state.lang = lang === "pl" ? "pl" : "en";
    if (remember) storageSet("localStorage", LANG_KEY, state.lang);
    renderAll();
  }

  function applyStaticText() {
    document.documentElement.lang = state.lang;
    document.title = t("title");
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const node of document.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
    for (const node of document.querySelectorAll("[data-i18n-aria-label]")) node.setAttribute("aria-label", t(node.dataset.i18nAriaLabel));
    for (const button of document.querySelectorAll(".lang-switch button")) {
      button.setAttribute("aria-pressed", String(button.dataset.lang === state.lang));
    }
  }

  function renderAll() {
    applyStaticText();
    renderTemplateVariables();
    for (const id of Object.keys(state.messages)) renderMessage(id);
    renderFieldErrors();
    renderMailboxes();
    renderVacationStatus();
    renderPreview();
    renderLog();
    renderDetails();
  }

  // --- signing in and out --------------------------------------------------------------------------

  async function signIn(event) {
    event.preventDefault();
    const input = $("token-input");
    const token = input.value.trim();
    if (!token) {
      setMessage("signin-error", { key: "signin.empty", kind: "error" });
      input.focus();
      return;
    }
    // A header can only carry visible ASCII; anything else cannot be a configured token.
    if (!/^[\x21-\x7e]+$/.test(token)) {
      setMessage("signin-error", { key: "signin.wrong", kind: "error" });
      input.focus();
      return;
    }
    const button = $("signin-button");
    button.disabled = true;
    setMessage("signin-error", { key: "signin.checking", kind: "info" });
    let page = null;
    let forbidden = false;
    try {
      page = await api("GET", `/api/v1/mailboxes?limit=${MAILBOX_PAGE}`, undefined, { token, signingIn: true });
    } catch (error) {
      if (error instanceof APIError && error.status === 403) {
        forbidden = true; // A real token, only without the mailboxes scope.
      } else {
        setMessage("signin-error", error instanceof APIError && error.status === 401
          ? { key: "signin.wrong", kind: "error" } : errorMessage(error));
        button.disabled = false;
        input.select();
        input.focus();
        return;
      }
    }
    button.disabled = false;
    input.value = "";
    state.token = token;
    storageSet("sessionStorage", TOKEN_KEY, token);
    setMessage("signin-error", null);
    enterApp();
    if (page) {
      // The first page came with the check; fetch the rest, if any.
      if (page.total > page.items.length) await loadMailboxes();
      else acceptMailboxes(page.items);
    } else if (forbidden) {
      state.mailboxesForbidden = true;
      state.mailboxesLoaded = true;
      renderMailboxes();
    }
  }

  function enterApp() {
    $("signin-section").hidden = true;
    $("app-section").hidden = false;
    $("signout-button").hidden = false;
    loadLog(false);
    $("main").focus();
  }

  function resetAppState() {
    Object.assign(state, {
      mailboxes: [], mailboxesLoaded: false, mailboxesForbidden: false, selected: null, selectedName: null,
      vacation: null, vacationLoading: false, preview: null, previewStale: false, log: [], logNext: null,
      logLoaded: false, logUpdated: null, detailsId: null, details: null, detailsError: null, fieldErrors: {},
    });
    state.requestSerial += 1;
    for (const id of Object.keys(state.messages)) if (id !== "signin-error") setMessage(id, null);
    $("vacation-form").reset();
    $("mailbox-filter").value = "";
    $("other-address").value = "";
  }

  function signOut(message) {
    state.token = null;
    storageSet("sessionStorage", TOKEN_KEY, null);
    resetAppState();
    $("app-section").hidden = true;
    $("signout-button").hidden = true;
    $("signin-section").hidden = false;
    $("signin-button").disabled = false;
    setMessage("signin-error", message || { key: "signin.signedOut", kind: "info" });
    renderAll();
    $("token-input").focus();
  }

  // --- mailboxes -------------------------------------------------------------------------------------

  async function loadMailboxes() {
    const button = $("mailboxes-refresh");
    button.disabled = true;
    if (!state.mailboxesLoaded) $("mailbox-summary").textContent = t("mailboxes.loading");
    try {
      const items = [];
      let offset = 0;
      for (let pages = 0; pages < 40; pages += 1) {
        const page = await api("GET", `/api/v1/mailboxes?limit=${MAILBOX_PAGE}&offset=${offset}`);
        items.push(...page.items);
        offset += page.items.length;
        if (!page.items.length || offset >= page.total) break;
      }
      state.mailboxesForbidden = false;
      setMessage("mailbox-message", null);
      acceptMailboxes(items);
    } catch (error) {
      if (!state.token) return;
      state.mailboxesLoaded = true;
      if (error instanceof APIError && error.status === 403) {
        state.mailboxesForbidden = true;
        setMessage("mailbox-message", null);
      } else {
        setMessage("mailbox-message", errorMessage(error));
      }
      renderMailboxes();
    } finally {
      button.disabled = false;
    }
  }

  function acceptMailboxes(items) {
    state.mailboxes = items;
    state.mailboxesLoaded = true;
    renderMailboxes();
  }

  function renderMailboxes() {
    const list = $("mailbox-list");
    const summary = $("mailbox-summary");
    const awayList = $("away-list");
    list.replaceChildren();
    awayList.replaceChildren();
    if (!state.token || !state.mailboxesLoaded) {
      summary.textContent = state.token ? t("mailboxes.loading") : "";
      $("away-box").hidden = true;
      return;
    }
    if (state.mailboxesForbidden) {
      summary.textContent = t("mailboxes.forbidden");
      $("away-box").hidden = true;
      return;
    }
    const away = state.mailboxes.filter((m) => vacationPhase(m.vacation) === "active");
    summary.textContent = t("mailboxes.summary", { count: state.mailboxes.length, away: away.length });
    for (const mailbox of away) {
      const item = el("li", { "data-address": mailbox.address });
      item.append(el("span", { class: "away-name" }, mailbox.name || mailbox.address), " ",
        el("span", { class: "muted" }, untilText(mailbox.vacation.end)));
      awayList.append(item);
    }
    $("away-box").hidden = away.length === 0;

    const filter = $("mailbox-filter").value.trim().toLowerCase();
    const shown = state.mailboxes.filter((m) => !filter || m.address.includes(filter) ||
      (m.name || "").toLowerCase().includes(filter) || (m.aliases || []).some((a) => a.includes(filter)));
    if (!state.mailboxes.length || !shown.length) {
      list.append(el("li", { class: "muted empty" }, t(state.mailboxes.length ? "mailboxes.noMatch" : "mailboxes.empty")));
    }
    for (const mailbox of shown) {
      const phase = vacationPhase(mailbox.vacation);
      const button = el("button", {
        type: "button", class: "mailbox", "data-address": mailbox.address, "data-testid": `mailbox-${mailbox.address}`,
        "data-phase": phase, "aria-pressed": String(mailbox.address === state.selected),
      });
      const text = el("span", { class: "mailbox-text" }, el("span", { class: "mailbox-address" }, mailbox.address));
      if (mailbox.name) text.append(el("span", { class: "mailbox-name" }, mailbox.name));
      button.append(text);
      if (phase !== "none") {
        const v = mailbox.vacation;
        button.append(el("span", {
          class: `badge badge-${phase}`, "data-testid": `badge-${phase}`,
          title: t(`badge.${phase}.title`, { until: untilText(v.end), start: formatDate(v.start), end: formatDate(v.end) }),
        }, t(`badge.${phase}`)));
      }
      list.append(el("li", {}, button));
    }
  }

  function openOther(event) {
    event.preventDefault();
    const input = $("other-address");
    const address = input.value.trim().toLowerCase();
    if (!address) {
      state.fieldErrors = { "other-address": { key: "other.empty" } };
      renderFieldErrors();
      input.focus();
      return;
    }
    selectMailbox(address, true);
  }

  // --- the vacation form -----------------------------------------------------------------------------

  async function selectMailbox(address, fromOtherForm) {
    const serial = ++state.requestSerial;
    const known = state.mailboxes.find((m) => m.address === address);
    state.selected = address;
    state.selectedName = known && known.name ? known.name : null;
    state.vacation = null;
    state.vacationLoading = true;
    state.preview = null;
    state.previewStale = false;
    clearFieldErrors();
    setMessage("vacation-message", null);
    setMessage("global-message", null);
    renderMailboxes();
    $("vacation-mailbox").textContent = address;
    $("vacation-placeholder").hidden = true;
    $("vacation-form").hidden = false;
    fillForm(null);
    renderVacationStatus();
    renderPreview();
    let vacation = null;
    try {
      vacation = await api("GET", `${mailboxPath(address)}/vacation`);
    } catch (error) {
      if (serial !== state.requestSerial) return;
      if (!(error instanceof APIError && error.status === 404)) {
        // Not a mailbox this page can edit (e.g. not a local domain) or no access: back to no selection.
        state.selected = null;
        state.vacationLoading = false;
        renderMailboxes();
        renderVacationStatus();
        if (!state.token) return;
        const problem = error instanceof APIError && error.fields && error.fields.address;
        if (problem && fromOtherForm) {
          state.fieldErrors = { "other-address": { api: problem } };
          renderFieldErrors();
          $("other-address").focus();
        } else {
          const message = errorMessage(error);
          if (problem) Object.assign(message, { key: "error.invalid", detail: `${address}: ${problem}` });
          setMessage("global-message", message);
        }
        return;
      }
    }
    if (serial !== state.requestSerial) return;
    state.vacation = vacation;
    state.vacationLoading = false;
    fillForm(vacation ? vacation.settings : null);
    renderVacationStatus();
  }

  function fillForm(settings) {
    const s = settings || {};
    $("field-start").value = toLocalInput(s.start);
    $("field-end").value = toLocalInput(s.end);
    $("field-timezone").value = s.timezone || DEFAULT_TIMEZONE;
    $("field-locale").value = s.locale === "en" ? "en" : "pl";
    $("field-subject").value = s.subject || "";
    $("field-message").value = s.message || "";
    $("field-internal-message").value = s.internal_message || "";
    $("field-internal-enabled").checked = Boolean(s.internal_message);
    $("field-contacts-only").checked = Boolean(s.contacts_only);
    $("field-same-domain").checked = Boolean(s.same_domain);
    $("field-days").value = String(s.days || 7);
    $("field-owner-name").value = settings ? s.owner_name || "" : state.selectedName || "";
    $("field-deputy-name").value = s.deputy_name || "";
    $("field-deputy-address").value = s.deputy_address || "";
    $("field-aliases").value = (s.aliases || []).join(", ");
    syncInternalMessage();
  }

  function syncInternalMessage() {
    $("internal-message-group").hidden = !$("field-internal-enabled").checked;
  }

  // The form as the API's settings object, or null (with the problems shown) when it cannot be sent.
  function collectSettings() {
    const value = (id) => $(id).value;
    const local = {};
    const settings = {
      end: value("field-end"),
      locale: value("field-locale"),
      subject: value("field-subject"),
      message: value("field-message"),
      internal_message: $("field-internal-enabled").checked ? value("field-internal-message") : "",
      contacts_only: $("field-contacts-only").checked,
      same_domain: $("field-same-domain").checked,
      owner_name: value("field-owner-name").trim(),
      deputy_name: value("field-deputy-name").trim(),
      deputy_address: value("field-deputy-address").trim(),
      aliases: value("field-aliases").split(/[\s,;]+/).filter(Boolean),
    };
    const start = value("field-start");
    if (start) settings.start = start;
    for (const name of ["start", "end"]) {
      if ($(FIELDS[name]).validity.badInput) local[name] = { key: "msg.dateIncomplete" };
    }
    const timezone = value("field-timezone").trim();
    if (timezone) settings.timezone = timezone;
    const days = $("field-days");
    if (days.validity.badInput) {
      local.days = { key: "msg.daysInvalid" };
    } else if (days.value.trim() !== "") {
      const number = Number(days.value);
      if (!Number.isInteger(number) || number < 1) local.days = { key: "msg.daysInvalid" };
      else settings.days = number;
    }
    if (Object.keys(local).length) {
      state.fieldErrors = {};
      for (const [name, problem] of Object.entries(local)) state.fieldErrors[FIELDS[name]] = problem;
      renderFieldErrors();
      focusFirstError();
      setMessage("vacation-message", { key: "error.fields", kind: "error" });
      return null;
    }
    return settings;
  }

  function clearFieldErrors() {
    state.fieldErrors = {};
    renderFieldErrors();
  }

  // `fields` from a 400: each problem next to its input; the rest in the form's message.
  function showFieldErrors(fields, mode) {
    state.fieldErrors = {};
    const unplaced = [];
    for (const [rawName, problem] of Object.entries(fields)) {
      let name = rawName.replace(/\[\d+\]$/, "");
      let id = null;
      if (mode === "preview") {
        if (name.startsWith("settings.")) id = FIELDS[name.slice("settings.".length)];
        else id = PREVIEW_FIELDS[name];
      } else {
        id = FIELDS[name];
      }
      if (id && $(id)) state.fieldErrors[id] = { api: problem };
      else unplaced.push(`${rawName}: ${problem}`);
    }
    renderFieldErrors();
    focusFirstError();
    return { placed: Object.keys(state.fieldErrors).length, unplaced };
  }

  function renderFieldErrors() {
    for (const node of document.querySelectorAll(".field-error")) {
      const inputId = node.id.slice("error-".length);
      const problem = state.fieldErrors[inputId];
      const input = $(inputId);
      if (problem) {
        node.textContent = problem.key ? t(problem.key) : apiText(problem.api);
        if (problem.api && node.textContent !== problem.api) node.title = problem.api;
        else node.removeAttribute("title");
        node.hidden = false;
        if (input) input.setAttribute("aria-invalid", "true");
      } else {
        node.textContent = "";
        node.removeAttribute("title");
        node.hidden = true;
        if (input) input.removeAttribute("aria-invalid");
      }
    }
    // An error in the internal message must be visible even if the option was unticked.
    if (state.fieldErrors["field-internal-message"]) $("internal-message-group").hidden = false;
  }

  function focusFirstError() {
    const first = document.querySelector("#vacation-form [aria-invalid='true']");
    if (first) first.focus();
  }

  function renderVacationStatus() {
    const node = $("vacation-status");
    const save = $("save-button");
    const disable = $("disable-button");
    if (!state.selected) {
      node.hidden = true;
      node.textContent = "";
      node.removeAttribute("data-state");
      $("vacation-mailbox").textContent = "";
      $("vacation-placeholder").hidden = false;
      $("vacation-form").hidden = true;
      save.textContent = t("btn.saveNew");
      return;
    }
    node.hidden = false;
    if (state.vacationLoading) {
      node.textContent = t("vacation.loading");
      node.dataset.state = "loading";
      disable.disabled = true;
      save.textContent = t("btn.saveNew");
      return;
    }
    const vacation = state.vacation;
    const phase = vacationPhase(vacation && { active: vacation.active, start: vacation.settings.start });
    node.dataset.state = phase;
    if (vacation) {
      const s = vacation.settings;
      node.textContent = t(`status.${phase}`, {
        start: formatDate(s.start, s.timezone), end: formatDate(s.end, s.timezone), until: untilText(s.end, s.timezone),
      });
    } else {
      node.textContent = t("status.none");
    }
    save.textContent = t(vacation ? "btn.save" : "btn.saveNew");
    disable.disabled = !vacation;
  }

  function busy(on) {
    for (const id of ["preview-button", "save-button"]) $(id).disabled = on;
    $("disable-button").disabled = on || !state.vacation;
    $("vacation-form").setAttribute("aria-busy", String(on));
  }

  async function save() {
    if (!state.selected) return;
    const settings = collectSettings();
    if (!settings) return;
    const address = state.selected;
    const serial = state.requestSerial;
    clearFieldErrors();
    setMessage("vacation-message", { key: "msg.saving", kind: "info" });
    busy(true);
    try {
      const vacation = await api("PUT", `${mailboxPath(address)}/vacation`, settings);
      if (serial !== state.requestSerial) return;
      state.vacation = vacation;
      fillForm(vacation.settings);
      const phase = vacationPhase({ active: vacation.active, start: vacation.settings.start });
      setMessage("vacation-message", {
        key: `msg.saved.${phase}`, params: { start: { iso: vacation.settings.start, timeZone: vacation.settings.timezone } }, kind: "ok",
      });
      if (state.preview) {
        state.previewStale = false;
        renderPreview();
      }
      loadMailboxes();
    } catch (error) {
      if (serial !== state.requestSerial || !state.token) return;
      reportFormError(error, "put");
    } finally {
      if (serial === state.requestSerial) {
        busy(false);
        renderVacationStatus();
      }
    }
  }

  function reportFormError(error, mode) {
    const message = errorMessage(error);
    if (error instanceof APIError && error.status === 400 && error.fields) {
      const { placed, unplaced } = showFieldErrors(error.fields, mode);
      if (!placed) message.key = "error.invalid";
      if (unplaced.length) message.detail = unplaced.join("; ");
    } else if (error instanceof APIError && error.status === 400) {
      Object.assign(message, { key: "error.invalid", detail: error.message });
    }
    setMessage("vacation-message", message);
  }

  async function disable() {
    if (!state.selected || !state.vacation) return;
    const address = state.selected;
    const serial = state.requestSerial;
    setMessage("vacation-message", { key: "msg.disabling", kind: "info" });
    busy(true);
    try {
      await api("DELETE", `${mailboxPath(address)}/vacation`);
    } catch (error) {
      if (serial !== state.requestSerial || !state.token) return;
      if (!(error instanceof APIError && error.status === 404)) {
        busy(false);
        setMessage("vacation-message", errorMessage(error));
        return;
      }
    }
    if (serial !== state.requestSerial) return;
    state.vacation = null;
    busy(false);
    renderVacationStatus();
    setMessage("vacation-message", { key: "msg.disabled", kind: "ok" });
    loadMailboxes();
  }

  // --- preview ---------------------------------------------------------------------------------------

  async function preview() {
    if (!state.selected) return;
    const settings = collectSettings();
    if (!settings) return;
    const body = { settings };
    const from = $("preview-from").value.trim();
    const fromName = $("preview-from-name").value.trim();
    const subject = $("preview-subject").value;
    if (from) body.from = from;
    if (fromName) body.from_name = fromName;
    if (subject.trim()) body.subject = subject;
    const serial = state.requestSerial;
    clearFieldErrors();
    setMessage("vacation-message", { key: "msg.previewing", kind: "info" });
    busy(true);
    try {
      const result = await api("POST", `${mailboxPath(state.selected)}/vacation/preview`, body);
      if (serial !== state.requestSerial) return;
      state.preview = result;
      state.previewStale = false;
      renderPreview();
      setMessage("vacation-message", { key: "msg.previewReady", kind: "ok" });
      $("preview-section").scrollIntoView({ block: "nearest" });
    } catch (error) {
      if (serial !== state.requestSerial || !state.token) return;
      reportFormError(error, "preview");
    } finally {
      if (serial === state.requestSerial) busy(false);
    }
  }

  function renderPreview() {
    const section = $("preview-section");
    const result = state.preview;
    if (!result || !state.selected) {
      section.hidden = true;
      for (const id of ["preview-out-recipient", "preview-out-envelope", "preview-out-subject", "preview-out-body", "preview-out-raw"]) {
        $(id).textContent = "";
      }
      return;
    }
    section.hidden = false;
    $("preview-out-recipient").textContent = result.recipient;
    $("preview-out-envelope").textContent = result.envelope_sender === "" || result.envelope_sender === "<>"
      ? t("preview.nullSender") : result.envelope_sender;
    $("preview-out-subject").textContent = result.subject;
    $("preview-out-body").textContent = result.body;
    $("preview-out-raw").textContent = result.raw;
    $("preview-stale").hidden = !state.previewStale;
    section.classList.toggle("stale", state.previewStale);
  }

  function formEdited(event) {
    const target = event.target;
    if (target && target.id && state.fieldErrors[target.id]) {
      delete state.fieldErrors[target.id];
      renderFieldErrors();
    }
    if (target && target.id === "field-internal-enabled") syncInternalMessage();
    if (state.preview && !state.previewStale) {
      state.previewStale = true;
      renderPreview();
    }
  }

  function renderTemplateVariables() {
    const list = $("template-vars");
    list.replaceChildren();
    for (const name of VARIABLES) {
      const token = `{{${name}}}`;
      const button = el("button", {
        type: "button", class: "var-insert", "data-var": name, "aria-label": t("vars.insert", { name: token }),
      }, el("code", {}, token));
      list.append(el("li", {}, button, " ", el("span", {}, t(`var.${name}`))));
    }
  }

  function insertVariable(name) {
    const field = $(state.lastTemplateField) || $("field-message");
    if (field.closest("[hidden]")) return;
    const token = `{{${name}}}`;
    const start = field.selectionStart ?? field.value.length;
    const end = field.selectionEnd ?? field.value.length;
    field.setRangeText(token, start, end, "end");
    field.focus();
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // --- the log ---------------------------------------------------------------------------------------

  async function loadLog(more) {
    const button = $("log-refresh");
    const moreButton = $("log-more");
    button.disabled = true;
    moreButton.disabled = true;
    const before = more && state.logNext ? `&before=${encodeURIComponent(state.logNext)}` : "";
    if (!state.logLoaded) $("log-updated").textContent = t("log.loading");
    $("log-section").setAttribute("aria-busy", "true");
    try {
      const page = await api("GET", `/api/v1/log?limit=${LOG_PAGE}${before}`);
      state.log = more ? state.log.concat(page.items) : page.items;
      state.logNext = page.next_before || null;
      state.logLoaded = true;
      state.logUpdated = new Date();
      setMessage("log-message", null);
      renderLog();
      if (state.detailsId !== null && !more) openDetails(state.detailsId, false);
    } catch (error) {
      if (!state.token) return;
      setMessage("log-message", errorMessage(error));
      renderLog();
    } finally {
      button.disabled = false;
      moreButton.disabled = false;
      $("log-section").setAttribute("aria-busy", "false");
    }
  }

  function decisionChip(code) {
    const known = has(`reason.${code}`);
    const chip = el("span", {
      class: `chip ${code === "replied" ? "chip-replied" : "chip-skipped"}`, "data-testid": "decision", "data-code": code,
    }, el("span", { class: "chip-text" }, known ? t(`reason.${code}`) : code));
    if (known) chip.append(" ", el("code", {}, code));
    return chip;
  }

  function deliveryChip(status) {
    return el("span", { class: `chip chip-delivery chip-${status}`, "data-testid": "delivery", "data-status": status },
      has(`delivery.${status}`) ? t(`delivery.${status}`) : status);
  }

  function chipList(items, make) {
    if (!items || !items.length) return el("span", { class: "muted" }, t("log.none"));
    const list = el("ul", { class: "chips" });
    for (const item of items) list.append(el("li", {}, make(item)));
    return list;
  }

  function renderLog() {
    const body = $("log-body");
    body.replaceChildren();
    $("log-updated").textContent = state.logUpdated ? t("log.updated", { time: formatTime(state.logUpdated) })
      : (state.token && !state.logLoaded ? t("log.loading") : "");
    $("log-more").hidden = !state.logNext;
    if (state.logLoaded && !state.log.length) {
      body.append(el("tr", { class: "empty" }, el("td", { colspan: "6", class: "muted empty-cell" }, t("log.empty"))));
    }
    for (const entry of state.log) {
      const row = el("tr", {
        "data-testid": `log-row-${entry.id}`, "data-message-id": entry.id,
        class: entry.id === state.detailsId ? "selected" : null,
      });
      const open = el("button", {
        type: "button", class: "link", "data-open": entry.id, "data-testid": `log-open-${entry.id}`,
        "aria-label": t("log.open", { id: entry.id }), title: entry.received_at,
      }, formatDate(entry.received_at));
      // data-label: the column's name, shown by the narrow-screen layout where rows become cards.
      row.append(
        el("td", { class: "nowrap", "data-label": t("log.col.time") }, open),
        el("td", { class: "address", "data-label": t("log.col.from") }, entry.sender ? entry.sender : t("log.nullSender")),
        el("td", { class: "address", "data-label": t("log.col.to") }, (entry.recipients || []).join(", ")),
        el("td", { class: entry.subject ? "subject" : "subject muted", "data-label": t("log.col.subject") },
          entry.subject ? entry.subject : t("log.noSubject")),
        el("td", { "data-testid": "decisions", "data-label": t("log.col.decision") }, chipList(entry.decisions, decisionChip)),
        el("td", { "data-testid": "deliveries", "data-label": t("log.col.delivery") }, chipList(entry.deliveries, deliveryChip)),
      );
      body.append(row);
    }
  }

  async function openDetails(id, focus) {
    state.detailsId = id;
    state.detailsError = null;
    if (focus) state.details = null;
    renderLog();
    renderDetails();
    if (focus) $("message-details").focus();
    try {
      const details = await api("GET", `/api/v1/messages/${encodeURIComponent(id)}`);
      if (state.detailsId !== id) return;
      state.details = details;
    } catch (error) {
      if (state.detailsId !== id || !state.token) return;
      state.details = null;
      state.detailsError = errorMessage(error);
    }
    renderDetails();
  }

  function closeDetails() {
    const id = state.detailsId;
    state.detailsId = null;
    state.details = null;
    state.detailsError = null;
    renderLog();
    renderDetails();
    const opener = document.querySelector(`[data-open="${CSS.escape(String(id))}"]`);
    if (opener) opener.focus();
  }

  function definition(list, term, value, testid) {
    list.append(el("dt", {}, term), el("dd", testid ? { "data-testid": testid } : {}, value));
  }

  function renderDetails() {
    const section = $("message-details");
    const content = $("details-content");
    content.replaceChildren();
    if (state.detailsId === null || !state.token) {
      section.hidden = true;
      return;
    }
    section.hidden = false;
    $("details-title").textContent = t("details.title", { id: state.detailsId });
    if (state.detailsError) {
      const message = state.detailsError;
      content.append(el("p", { class: "message", "data-kind": "error" },
        t(message.key, message.params) + (message.detail ? `: ${message.detail}` : "")));
      return;
    }
    const details = state.details;
    if (!details) {
      content.append(el("p", { class: "muted" }, t("details.loading")));
      return;
    }
    const message = details.message;
    const meta = el("dl", { class: "meta" });
    definition(meta, t("details.received"), formatDate(message.received_at));
    definition(meta, t("details.from"), message.sender || t("log.nullSender"));
    definition(meta, t("details.to"), (message.recipients || []).join(", "));
    definition(meta, t("details.subject"), message.subject || t("log.noSubject"));
    content.append(meta);
    if (!details.decisions.length) content.append(el("p", { class: "muted" }, t("details.noDecisions")));
    for (const decision of details.decisions) {
      const block = el("section", { class: "decision-block", "data-testid": "decision-detail", "data-recipient": decision.recipient });
      block.append(el("h4", {}, t("details.recipient", { address: decision.recipient })));
      const info = el("dl", { class: "meta" });
      if (decision.mailbox) definition(info, t("details.mailbox"), decision.mailbox);
      definition(info, t("details.result"), decisionChip(decision.replied ? "replied" : decision.reason || "suppressed"));
      if (decision.reply) {
        definition(info, t("details.reply"), deliveryChip(decision.reply.status));
        if (decision.reply.attempts && decision.reply.attempts.length) {
          const attempts = el("ul", { class: "attempts" });
          for (const attempt of decision.reply.attempts) {
            attempts.append(el("li", {}, `${formatDate(attempt.at)} — ${attempt.host ? attempt.host + " — " : ""}${attempt.outcome}: ${attempt.detail}`));
          }
          definition(info, t("details.attempts"), attempts);
        }
      }
      block.append(info);
      const table = el("table", { class: "checks" });
      table.append(el("thead", {}, el("tr", {},
        el("th", { scope: "col" }, t("details.rule")), el("th", { scope: "col" }, t("details.check")),
        el("th", { scope: "col" }, t("details.detail")))));
      const rows = el("tbody");
      for (const check of decision.checks || []) {
        const rule = el("td", {}, el("code", {}, check.rule));
        if (!check.passed && has(`reason.${check.rule}`)) rule.append(el("span", { class: "rule-text" }, t(`reason.${check.rule}`)));
        rows.append(el("tr", { "data-testid": "check", "data-rule": check.rule, "data-passed": String(check.passed), class: check.passed ? "passed" : "failed" },
          rule,
          el("td", { class: check.passed ? "ok" : "bad" }, check.passed ? `✓ ${t("check.passed")}` : `✗ ${t("check.failed")}`),
          el("td", {}, check.detail || "")));
      }
      table.append(rows);
      block.append(el("div", { class: "table-wrap" }, table));
      content.append(block);
    }
  }

  // --- wiring ------------------------------------------------------------------------------------------

  function fillTimeZones() {
    let zones = [];
    try { zones = Intl.supportedValuesOf("timeZone"); } catch (e) { zones = [DEFAULT_TIMEZONE, "UTC"]; }
    const list = $("timezone-list");
    for (const zone of zones) list.append(el("option", { value: zone }));
  }

  function init() {
    state.lang = initialLanguage();
    fillTimeZones();
    for (const button of document.querySelectorAll(".lang-switch button")) {
      button.addEventListener("click", () => setLanguage(button.dataset.lang, true));
    }
    $("signin-form").addEventListener("submit", signIn);
    $("signout-button").addEventListener("click", () => signOut(null));
    $("mailboxes-refresh").addEventListener("click", loadMailboxes);
    $("mailbox-filter").addEventListener("input", renderMailboxes);
    $("mailbox-list").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-address]");
      if (button) selectMailbox(button.dataset.address);
    });
    $("other-address-form").addEventListener("submit", openOther);
    $("other-address").addEventListener("input", () => {
      if (state.fieldErrors["other-address"]) {
        delete state.fieldErrors["other-address"];
        renderFieldErrors();
      }
    });
    const form = $("vacation-form");
    form.addEventListener("submit", (event) => event.preventDefault());
    form.addEventListener("input", formEdited);
    form.addEventListener("change", formEdited);
    form.addEventListener("focusin", (event) => {
      if (event.target.classList && event.target.classList.contains("template")) state.lastTemplateField = event.target.id;
    });
    $("template-vars").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-var]");
      if (button) insertVariable(button.dataset.var);
    });
    $("preview-button").addEventListener("click", preview);
    $("save-button").addEventListener("click", save);
    $("disable-button").addEventListener("click", disable);
    $("log-refresh").addEventListener("click", () => loadLog(false));
    $("log-more").addEventListener("click", () => loadLog(true));
    $("log-body").addEventListener("click", (event) => {
      const row = event.target.closest("tr[data-message-id]");
      if (row) openDetails(Number(row.dataset.messageId), true);
    });
    $("message-details-close").addEventListener("click", closeDetails);

    renderAll();
    const token = storageGet("sessionStorage", TOKEN_KEY);
    if (token) {
      state.token = token;
      enterApp();
      loadMailboxes();
    } else {
      $("token-input").focus();
    }
  }

  init();
})();
