// The peer-group board's live list (htmx polling), with three additions htmx does not make by itself:
// 1. Polls are conditional: the ETag of the list shown is sent as If-None-Match, and a 304 ("nothing new")
//    leaves the list as it is. The answers are never stored (no-store), so the browser cannot do this itself.
// 2. A poll is skipped while the reader is using a form inside the list (a moderator's open panel, a field
//    with focus), so what they are typing is not redrawn away.
//    Nor while the page is hidden (another tab, a locked phone): when it is shown again, one poll at once.
// 3. A 404 means the reader is no longer in the group (they left in another tab, or were removed): the board
//    is replaced by the page's own notice and polling stops. A refused post (403 muted, 422 invalid) that
//    names its target (HX-Retarget) replaces the writing area, so the reason shows where the form was.
(function () {
  "use strict";

  function poller(elt) {
    return elt && elt.closest ? elt.closest("[data-board-poll]") : null;
  }

  function busy(list) {
    if (document.visibilityState === "hidden") return true;
    if (list.querySelector("details[open]")) return true;
    const active = document.activeElement;
    return Boolean(active && list.contains(active) && active.matches("input, select, textarea"));
  }

  function gone(board) {
    const notice = document.getElementById("board-gone");
    if (!board || !notice) return;
    board.replaceChildren(notice.content.cloneNode(true));
  }

  document.addEventListener("htmx:confirm", function (event) {
    const list = event.detail.elt;
    if (list.matches && list.matches("[data-board-poll]") && busy(list)) event.preventDefault();
  });

  document.addEventListener("htmx:configRequest", function (event) {
    const list = event.detail.elt;
    if (list.matches && list.matches("[data-board-poll]") && event.detail.verb === "get" && list.dataset.etag) {
      event.detail.headers["If-None-Match"] = list.dataset.etag;
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    const xhr = event.detail.xhr;
    const board = event.detail.requestConfig && event.detail.requestConfig.elt.closest("[data-board]");
    if (!board) return;
    if (xhr.status === 304) {
      event.detail.shouldSwap = false;
    } else if (xhr.status === 404) {
      event.detail.shouldSwap = false;
      event.detail.isError = false;
      gone(board);
    } else if ((xhr.status === 403 || xhr.status === 422) && xhr.getResponseHeader("HX-Retarget")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") return;
    document.querySelectorAll("[data-board-poll]").forEach(function (list) {
      if (window.htmx) window.htmx.trigger(list, "board:shown");
    });
  });

  // New posts put at the top of the list are announced to screen readers (politely, once per arrival).
  document.addEventListener("htmx:afterSwap", function (event) {
    const xhr = event.detail.xhr;
    if (!xhr || xhr.getResponseHeader("HX-Reswap") !== "afterbegin") return;
    const arrivals = document.getElementById("board-arrivals");
    if (!arrivals) return;
    arrivals.textContent = "";
    window.setTimeout(function () {
      arrivals.textContent = arrivals.dataset.words || "";
    }, 100);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    const list = poller(event.detail.target);
    const etag = event.detail.xhr && event.detail.xhr.getResponseHeader("ETag");
    if (list && etag && event.detail.xhr.status < 300) list.dataset.etag = etag;
  });
})();
