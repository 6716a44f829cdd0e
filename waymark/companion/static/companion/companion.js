/* Waymark companion: the installable app and its offline outbox.
 *
 * - Registers the service worker (/companion/sw.js, found next to the page's manifest link).
 * - The check-in and journal forms (form[data-offline]) are sent with fetch. When the phone is offline
 *   (navigator.onLine is false, or the request cannot reach the server) the answers are kept in this
 *   phone's outbox (IndexedDB) as the API's JSON, with their client_id and the person's own day or the
 *   time of writing, and the page says so.
 * - On page load and when the phone comes back online, each kept item is posted to the API
 *   (POST /api/v1/companion/check-ins or /journal, JSON, X-CSRFToken from <body hx-headers>). An item
 *   leaves the outbox only once the server answered 200 or 201; a 422 is kept with its reason shown
 *   (never retried); anything else is tried again later. One sync at a time (a Web Lock across tabs,
 *   a promise within the page), and the server applies a client_id once, so nothing is saved twice.
 * - Items belong to the account that wrote them: a page only sends its own signed-in person's items.
 * - Signing out (the header's form) first removes what the service worker keeps on this phone (its caches:
 *   the blank forms and offline page carry the person's name). Items not sent yet are never dropped
 *   silently: the person is asked first; if they sign out anyway the items stay, to be sent after their
 *   next sign-in here. After an account is deleted, its caches and unsent items are removed from the phone.
 *
 * No inline scripts anywhere: this file is loaded with the page's CSP nonce.
 */
(function () {
  "use strict";

  const DB_NAME = "waymark-companion";
  const STORE = "outbox";
  const LOCK = "waymark-companion-outbox";
  const CACHE_PREFIX = "waymark-companion-"; // the service worker's caches (sw.js)
  const SHELL_KEY = "waymark-companion-shell";
  const WORDS = {
    saved_offline: "Saved on this phone — it will be sent when you're back online.",
    sending: "Sending what you saved on this phone…",
    synced: "Synced. What you saved on this phone has been sent.",
    waiting: "Waiting to be sent:",
    failed: "Could not be sent:",
    remove: "Remove from this phone",
    sign_in: "Sign in again to send what you saved on this phone.",
    check_in: "Check-in",
    journal: "Journal entry",
    crisis: "Something you wrote sounds like you may be in danger. You don't have to face this alone: please reach out now.",
    call_988: "Call 988",
    text_988: "Text 988",
    call_911: "Call 911",
    help_now: "More help now",
    sign_out_queued:
      "What you saved on this phone has not been sent yet (%(count)s). It stays on this phone and is sent the next time you sign in here. Sign out anyway?",
  };

  // --- Page configuration ------------------------------------------------------------------------

  function config() {
    const element = document.getElementById("companion-pwa");
    let words = {};
    if (element) {
      try {
        words = JSON.parse(element.textContent || "{}");
      } catch (error) {
        words = {};
      }
    }
    return {
      user: element ? element.dataset.user || "" : "",
      logout: element ? element.dataset.logout || "" : "",
      words: Object.assign({}, WORDS, words),
    };
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function newId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // The person's own calendar day (in the time zone of their companion settings).
  function localDay(zone) {
    const now = new Date();
    try {
      const parts = new Intl.DateTimeFormat("en-CA", {
        timeZone: zone || undefined,
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
      }).formatToParts(now);
      const part = (type) => parts.find((p) => p.type === type).value;
      return `${part("year")}-${part("month")}-${part("day")}`;
    } catch (error) {
      const pad = (n) => String(n).padStart(2, "0");
      return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
    }
  }

  // --- Service worker ----------------------------------------------------------------------------

  function registerWorker() {
    const manifest = document.querySelector('link[rel="manifest"]');
    if (!manifest || !("serviceWorker" in navigator)) {
      return;
    }
    const script = new URL("sw.js", manifest.href);
    const scope = new URL("./", manifest.href);
    navigator.serviceWorker
      .register(script.pathname, { scope: scope.pathname })
      .then(() => navigator.serviceWorker.ready)
      .then(refreshShell)
      .catch(() => {
        // Not installable here (e.g. plain http on another host): the pages still work online.
      });
  }

  // The blank forms kept for offline use carry the signed-in person and their CSRF token: once per
  // browser session and person, the worker fetches them again (after a new sign-in they would be stale).
  function refreshShell(registration) {
    const { user } = config();
    if (!user || !navigator.onLine || !registration.active || window.sessionStorage.getItem(SHELL_KEY) === user) {
      return;
    }
    registration.active.postMessage("refresh-shell");
    window.sessionStorage.setItem(SHELL_KEY, user);
  }

  // Everything the service worker keeps on this phone (the next sign-in fetches fresh blank forms).
  async function forgetKeptPages() {
    window.sessionStorage.removeItem(SHELL_KEY);
    if ("caches" in window) {
      const names = await caches.keys();
      await Promise.all(names.filter((name) => name.startsWith(CACHE_PREFIX)).map((name) => caches.delete(name)));
    }
  }

  // --- The outbox (IndexedDB) --------------------------------------------------------------------

  function withStore(mode, work) {
    return new Promise((resolve, reject) => {
      const opening = indexedDB.open(DB_NAME, 1);
      opening.onupgradeneeded = () => opening.result.createObjectStore(STORE, { keyPath: "client_id" });
      opening.onerror = () => reject(opening.error);
      opening.onsuccess = () => {
        const db = opening.result;
        const transaction = db.transaction(STORE, mode);
        const request = work(transaction.objectStore(STORE));
        transaction.oncomplete = () => {
          db.close();
          resolve(request ? request.result : undefined);
        };
        transaction.onerror = transaction.onabort = () => {
          db.close();
          reject(transaction.error);
        };
      };
    });
  }

  const outbox = {
    all: () => withStore("readonly", (store) => store.getAll()),
    put: (item) => withStore("readwrite", (store) => store.put(item)),
    remove: (clientId) => withStore("readwrite", (store) => store.delete(clientId)),
  };

  // --- Forms -------------------------------------------------------------------------------------

  function checkInBody(form, clientId) {
    const data = new FormData(form);
    const text = (name) => String(data.get(name) || "").trim();
    const number = (name) => (text(name) === "" ? null : Number(text(name)));
    const used = { yes: true, no: false }[text("used_today")];
    return {
      client_id: clientId,
      day: localDay(form.dataset.timeZone),
      mood: number("mood"),
      craving: number("craving"),
      triggers: data.getAll("triggers").map(String),
      own_triggers: text("own_triggers"),
      sleep_hours: number("sleep_hours"),
      medication_taken: text("medication_taken"),
      used_today: used === undefined ? null : used,
      support_contact: data.has("support_contact"),
      meeting_attended: data.has("meeting_attended"),
      exercised: data.has("exercised"),
      regular_meals: data.has("regular_meals"),
      mindfulness: data.has("mindfulness"),
      note: text("note"),
    };
  }

  function journalBody(form, clientId) {
    const data = new FormData(form);
    return {
      client_id: clientId,
      text: String(data.get("text") || "").trim(),
      prompt: String(data.get("prompt") || ""),
      written_at: new Date().toISOString(),
    };
  }

  function clientIdField(form) {
    return form.querySelector('input[name="client_id"]');
  }

  // A blank form kept for offline use gets a new client id (and today's day) each time it is opened.
  function prepareForms(root) {
    root.querySelectorAll("form[data-offline]").forEach((form) => {
      const field = clientIdField(form);
      if (field && (form.dataset.shell === "1" || !field.value)) {
        field.value = newId();
      }
      const day = form.querySelector('input[name="day"]');
      if (day && form.dataset.shell === "1") {
        day.value = localDay(form.dataset.timeZone);
      }
    });
  }

  async function keepOnPhone(form) {
    const { user, words } = config();
    if (!form.checkValidity()) {
      // Online, the server says what is missing; offline, the browser does (mood and craving need answers).
      form.reportValidity();
      return;
    }
    const field = clientIdField(form);
    if (!field.value) {
      field.value = newId();
    }
    const kind = form.dataset.offline;
    const body = kind === "journal" ? journalBody(form, field.value) : checkInBody(form, field.value);
    // The same client id replaces the kept item: changing an answer before it is sent keeps one item.
    await outbox.put({
      client_id: field.value,
      kind: kind,
      url: form.dataset.api,
      body: body,
      user: user,
      kept_at: new Date().toISOString(),
      error: "",
    });
    if (kind === "journal") {
      // The entry is kept; the next one is a new entry.
      form.reset();
      field.value = newId();
    }
    await showOutbox({ note: words.saved_offline });
  }

  let pushed = false; // The address was changed by showPage: Back must load the page it names.

  async function showPage(response) {
    const html = await response.text();
    const page = new DOMParser().parseFromString(html, "text/html");
    const main = page.querySelector("main");
    const current = document.querySelector("main");
    if (!main || !current) {
      window.location.assign(response.url);
      return;
    }
    current.replaceWith(document.adoptNode(main));
    document.title = page.title;
    if (response.url && response.url !== window.location.href) {
      window.history.pushState({ companion: true }, "", response.url);
      pushed = true;
    }
    if (window.htmx) {
      window.htmx.process(main);
    }
    prepareForms(main);
    const target = main.querySelector("#crisis-help, [role=alert], h1");
    if (target) {
      if (!target.hasAttribute("tabindex")) {
        target.setAttribute("tabindex", "-1");
      }
      target.focus();
    }
    window.scrollTo(0, 0);
    showOutbox({});
  }

  async function submit(form) {
    const { words } = config();
    const button = form.querySelector('[type="submit"]');
    if (button) {
      button.disabled = true;
    }
    try {
      if (navigator.onLine) {
        let response = null;
        try {
          response = await fetch(form.action, {
            method: "POST",
            body: new FormData(form),
            credentials: "same-origin",
            headers: { "X-Requested-With": "XMLHttpRequest" },
          });
        } catch (error) {
          response = null; // The server could not be reached: keep it on the phone.
        }
        if (response) {
          await showPage(response);
          return;
        }
      }
      await keepOnPhone(form);
    } catch (error) {
      setStatus([words.failed + " " + String(error)]);
    } finally {
      if (button && button.isConnected) {
        button.disabled = false;
      }
    }
  }

  // --- Sync --------------------------------------------------------------------------------------

  let syncing = null;

  function sync() {
    if (!syncing) {
      const run = () => sendKept().catch(() => showOutbox({}));
      const locked =
        navigator.locks && typeof navigator.locks.request === "function" ? navigator.locks.request(LOCK, run) : run();
      syncing = Promise.resolve(locked).finally(() => {
        syncing = null;
      });
    }
    return syncing;
  }

  function describeProblem(problem) {
    if (problem && Array.isArray(problem.errors) && problem.errors.length) {
      return problem.errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join(" ");
    }
    return (problem && (problem.detail || problem.title)) || "";
  }

  async function sendKept() {
    const { user, words } = config();
    if (!user || !("indexedDB" in window)) {
      return;
    }
    const items = (await outbox.all()).filter((item) => item.user === user && !item.error);
    if (!items.length || !navigator.onLine) {
      await showOutbox({});
      return;
    }
    setStatus([words.sending]);
    const result = { sent: 0, signIn: false, crisis: null };
    for (const item of items) {
      let response;
      try {
        response = await fetch(item.url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
          body: JSON.stringify(item.body),
        });
      } catch (error) {
        break; // Offline again: the rest waits for the next time.
      }
      if (response.status === 200 || response.status === 201) {
        const answer = await response.json().catch(() => ({}));
        await outbox.remove(item.client_id);
        result.sent += 1;
        if (answer && answer.crisis) {
          result.crisis = answer.crisis;
        }
        freshIdFor(item.client_id);
      } else if (response.status === 422) {
        item.error = describeProblem(await response.json().catch(() => ({}))) || String(response.status);
        await outbox.put(item);
      } else if (response.status === 401 || response.status === 403) {
        result.signIn = true;
        break;
      } else {
        break; // The server had a problem: try again later.
      }
    }
    await showOutbox(result);
  }

  // A form whose kept copy was just sent gets a new client id, so a later change is saved as a change.
  function freshIdFor(clientId) {
    document.querySelectorAll("form[data-offline]").forEach((form) => {
      const field = clientIdField(form);
      if (field && field.value === clientId) {
        field.value = newId();
      }
    });
  }

  // --- What the person sees ----------------------------------------------------------------------

  function statusElement() {
    return document.getElementById("sync-status");
  }

  function setStatus(lines, extra) {
    const element = statusElement();
    if (!element) {
      return;
    }
    element.replaceChildren();
    lines.forEach((line) => {
      const p = document.createElement("p");
      p.textContent = line;
      element.append(p);
    });
    if (extra) {
      element.append(extra);
    }
    element.hidden = !element.childNodes.length;
  }

  function label(item, words) {
    if (item.kind === "journal") {
      return `${words.journal} (${String(item.body.written_at || "").slice(0, 10)})`;
    }
    return `${words.check_in} (${item.body.day})`;
  }

  async function showOutbox(result) {
    const { user, words } = config();
    let items = [];
    if (user && "indexedDB" in window) {
      items = (await outbox.all().catch(() => [])).filter((item) => item.user === user);
    }
    const lines = [];
    if (result.note) {
      lines.push(result.note);
    }
    if (result.sent) {
      lines.push(words.synced);
    }
    if (result.signIn) {
      lines.push(words.sign_in);
    }
    const waiting = items.filter((item) => !item.error);
    if (waiting.length) {
      lines.push(`${words.waiting} ${waiting.map((item) => label(item, words)).join(", ")}`);
    }
    const failed = items.filter((item) => item.error);
    let list = null;
    if (failed.length) {
      list = document.createElement("ul");
      list.className = "sync-failed";
      failed.forEach((item) => {
        const li = document.createElement("li");
        li.textContent = `${words.failed} ${label(item, words)} — ${item.error} `;
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "secondary";
        remove.dataset.outboxRemove = item.client_id;
        remove.textContent = words.remove;
        li.append(remove);
        list.append(li);
      });
    }
    setStatus(lines, list);
    if (result.crisis) {
      showCrisis(result.crisis);
    }
    if (result.note) {
      const element = statusElement();
      if (element) {
        element.scrollIntoView({ block: "center" });
      }
    }
  }

  // Crisis words in something sent from the outbox: help straight away, as on the pages.
  function showCrisis(crisis) {
    const { words } = config();
    const element = statusElement();
    if (!element || document.getElementById("sync-crisis")) {
      return;
    }
    const panel = document.createElement("div");
    panel.id = "sync-crisis";
    panel.className = "crisis-panel";
    panel.setAttribute("role", "alert");
    panel.setAttribute("tabindex", "-1");
    const intro = document.createElement("p");
    intro.textContent = words.crisis;
    const links = document.createElement("p");
    links.className = "actions";
    [
      ["tel:988", words.call_988, "button call"],
      ["sms:988", words.text_988, "button call secondary"],
      ["tel:911", words.call_911, "button call urgent"],
      [crisis.help_url, words.help_now, ""],
    ].forEach(([href, text, className]) => {
      const link = document.createElement("a");
      link.href = href;
      link.textContent = text;
      if (className) {
        link.className = className;
      }
      links.append(link, " ");
    });
    panel.append(intro, links);
    element.after(panel);
    panel.focus();
  }

  // --- Signing out, and a deleted account --------------------------------------------------------

  function isSignOut(form) {
    const { logout } = config();
    return Boolean(logout) && new URL(form.action, window.location.href).pathname === logout;
  }

  async function signOut(form) {
    const { user, words } = config();
    let go = true;
    try {
      const queued =
        user && "indexedDB" in window ? (await outbox.all()).filter((item) => item.user === user).length : 0;
      if (queued) {
        go = window.confirm(words.sign_out_queued.replace("%(count)s", String(queued)));
      }
      if (go) {
        await forgetKeptPages();
      }
    } catch (error) {
      // Nothing here may stand between the person and signing out.
    }
    if (go) {
      HTMLFormElement.prototype.submit.call(form);
    } else {
      delete form.dataset.signingOut;
      sync();
    }
  }

  // The page shown after a self-guided account was deleted: nothing of it stays on this phone.
  async function forgetDeletedAccount() {
    const element = document.getElementById("companion-forget");
    const user = element ? element.dataset.user || "" : "";
    if (!user) {
      return;
    }
    try {
      await forgetKeptPages();
      if ("indexedDB" in window) {
        const items = await outbox.all();
        await Promise.all(items.filter((item) => item.user === user).map((item) => outbox.remove(item.client_id)));
      }
    } catch (error) {
      // Best effort: the account and everything on the server are gone already.
    }
  }

  // --- Wiring ------------------------------------------------------------------------------------

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.dataset.offline || !isSignOut(form)) {
      return;
    }
    event.preventDefault();
    if (form.dataset.signingOut === "1") {
      return;
    }
    form.dataset.signingOut = "1";
    signOut(form);
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.offline) {
      return;
    }
    event.preventDefault();
    if (form.dataset.busy === "1") {
      return; // A second tap while the first is on its way.
    }
    form.dataset.busy = "1";
    submit(form).finally(() => {
      delete form.dataset.busy;
    });
  });

  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("[data-outbox-remove]") : null;
    if (button) {
      outbox.remove(button.dataset.outboxRemove).then(() => showOutbox({}));
    }
  });

  window.addEventListener("online", () => {
    sync();
  });
  window.addEventListener("popstate", () => {
    if (pushed) {
      window.location.reload();
    }
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      sync();
    }
  });

  // The start page's hidden time-zone field: the phone's own zone, so "today" is the person's today.
  document.querySelectorAll("input[data-browser-zone]").forEach((input) => {
    try {
      const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (zone) {
        input.value = zone;
      }
    } catch (error) {
      // Keep the server's default (the program's zone).
    }
  });

  if (document.getElementById("companion-forget")) {
    forgetDeletedAccount();
    return;
  }
  registerWorker();
  prepareForms(document);
  sync();
})();
