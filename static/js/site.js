// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // After a failed submission, take keyboard and screen-reader users to the first problem.
  var invalid = document.querySelector(".is-invalid");
  if (invalid) {
    invalid.focus();
  }
  // A suggested correction of the email's domain: one tap puts it in the field.
  var use = document.querySelector(".js-use-email");
  var email = document.querySelector("input[name=email]");
  if (use && email) {
    use.hidden = false;
    use.addEventListener("click", function () {
      email.value = use.getAttribute("data-email");
      email.classList.remove("is-invalid");
      use.hidden = true;
      email.focus();
    });
  }
  // Sharing: the phone's share sheet where the browser has one; a copy-link button.
  var share = document.querySelector(".js-share");
  if (share && navigator.share) {
    share.hidden = false;
    share.addEventListener("click", function () {
      navigator.share({
        title: share.getAttribute("data-title"),
        text: share.getAttribute("data-text"),
        url: share.getAttribute("data-url")
      }).catch(function () {});  // the supporter closed the sheet: nothing to do
    });
  }
  var copy = document.querySelector(".js-copy");
  if (copy && navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      navigator.clipboard.writeText(copy.getAttribute("data-url")).then(function () {
        var status = document.querySelector(".js-copy-status");
        copy.textContent = copy.getAttribute("data-done");
        if (status) { status.textContent = copy.getAttribute("data-done"); }
      }).catch(function () {});
    });
  }
  // Keep the signature count fresh from the cacheable JSON endpoint.
  var block = document.querySelector("[data-count-url]");
  if (block && window.fetch) {
    var refresh = function () {
      fetch(block.getAttribute("data-count-url"), { credentials: "omit" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          var out = block.querySelector(".js-count");
          var bar = block.querySelector("progress");
          if (out) { out.textContent = data.count.toLocaleString(document.documentElement.lang); }
          if (bar) { bar.max = data.next_goal || data.goal; bar.value = data.count; }
        })
        .catch(function () {});
    };
    setInterval(refresh, 30000);
  }
  // The home page on a phone: the sign bar shows only while the form is out of sight.
  var bar = document.querySelector(".sign-bar");
  var box = document.getElementById("sign");
  if (bar && box && window.IntersectionObserver) {
    new IntersectionObserver(function (entries) {
      bar.classList.toggle("is-hidden", entries[0].isIntersecting);
    }).observe(box);
  }
  // On a desktop there is room to read the whole case: its sections start open.
  if (window.matchMedia && window.matchMedia("(min-width: 992px)").matches) {
    document.querySelectorAll("details.case-section").forEach(function (section) { section.open = true; });
  }
})();
