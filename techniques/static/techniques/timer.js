/*
 * Hold timer for self-care technique pages.
 *
 * Markup (templates/techniques/includes/timer.html): an element with `data-timer` and
 * `data-seconds`, holding `data-timer-count`, `data-timer-status` (a polite live region) and the
 * `data-timer-start`, `data-timer-pause` and `data-timer-reset` buttons. The element starts `hidden`
 * and is shown here, so visitors without JavaScript never see buttons that do nothing.
 *
 * Screen readers hear the start, a few milestones (every 10 s for short holds, every minute for long
 * ones, and halfway) and the end; never every second. No inline script or style: the site's CSP
 * forbids both.
 */
(function () {
  "use strict";

  function clock(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function words(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    var parts = [];
    if (minutes) {
      parts.push(minutes + (minutes === 1 ? " minute" : " minutes"));
    }
    if (rest || !minutes) {
      parts.push(rest + (rest === 1 ? " second" : " seconds"));
    }
    return parts.join(" ");
  }

  function setUp(root) {
    var total = parseInt(root.getAttribute("data-seconds"), 10);
    var count = root.querySelector("[data-timer-count]");
    var status = root.querySelector("[data-timer-status]");
    var startButton = root.querySelector("[data-timer-start]");
    var pauseButton = root.querySelector("[data-timer-pause]");
    var resetButton = root.querySelector("[data-timer-reset]");
    if (!(total > 0) || !count || !status || !startButton || !pauseButton || !resetButton) {
      return;
    }

    var milestoneEvery = total <= 60 ? 10 : 60;
    var halfway = Math.floor(total / 2);
    var remaining = total;
    var endsAt = 0;
    var ticker = null;

    function say(text) {
      status.textContent = text;
    }

    function show() {
      count.textContent = clock(remaining);
      root.setAttribute("data-remaining", String(remaining));
    }

    function setRunning(running) {
      startButton.disabled = running;
      pauseButton.disabled = !running;
      root.classList.toggle("is-running", running);
    }

    function halt() {
      if (ticker !== null) {
        window.clearInterval(ticker);
        ticker = null;
      }
      setRunning(false);
    }

    function tick() {
      var left = Math.max(0, Math.ceil((endsAt - Date.now()) / 1000));
      if (left === remaining) {
        return;
      }
      remaining = left;
      show();
      if (remaining === 0) {
        halt();
        root.classList.add("is-done");
        startButton.textContent = "Start again";
        startButton.focus();
        say("Time is up. Release slowly.");
      } else if (remaining === halfway) {
        say("Halfway: " + words(remaining) + " left.");
      } else if (remaining % milestoneEvery === 0) {
        say(words(remaining) + " left.");
      }
    }

    startButton.addEventListener("click", function () {
      if (ticker !== null) {
        return;
      }
      var resuming = remaining > 0 && remaining < total;
      if (remaining === 0) {
        remaining = total;
      }
      root.classList.remove("is-done");
      startButton.textContent = "Start";
      endsAt = Date.now() + remaining * 1000;
      ticker = window.setInterval(tick, 200);
      setRunning(true);
      show();
      // The focused button is now disabled; keep keyboard users on the control they need next.
      pauseButton.focus();
      say((resuming ? "Timer resumed: " : "Timer started: ") + words(remaining) + ".");
    });

    pauseButton.addEventListener("click", function () {
      if (ticker === null) {
        return;
      }
      tick();
      halt();
      startButton.textContent = "Resume";
      startButton.focus();
      say("Paused with " + words(remaining) + " left.");
    });

    resetButton.addEventListener("click", function () {
      halt();
      remaining = total;
      root.classList.remove("is-done");
      startButton.textContent = "Start";
      show();
      say("Timer reset to " + words(total) + ".");
    });

    show();
    root.hidden = false;
  }

  document.querySelectorAll("[data-timer]").forEach(setUp);
})();
