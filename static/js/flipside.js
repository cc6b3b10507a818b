// Progressive enhancement only: every page works without JavaScript.
document.documentElement.classList.add("js");

document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary so screen-reader users hear what went wrong.
  const summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});

// A word is a run of characters between separators: the white space of Python's str.split()
// and of JavaScript's \s, and the invisible spaces U+180E and U+200B. The same set as the
// server's flipside/lib/words.py; both are tested with recruitment/tests/word_count_cases.json.
const WORD =
  /[^\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u180e\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+/gu;
const countWords = (text) => (text.match(WORD) || []).length;

// A live word count under statement boxes: the visible count follows every keystroke; screen
// readers hear it once typing pauses. The server shows the same count after every save.
document.addEventListener("DOMContentLoaded", () => {
  for (const counter of document.querySelectorAll("[data-word-count-for]")) {
    const box = document.getElementById(counter.dataset.wordCountFor);
    const announce = document.querySelector(
      `[data-word-count-announce="${counter.dataset.wordCountFor}"]`,
    );
    if (!box) continue;
    const limit = Number(counter.dataset.limit);
    let timer;
    box.addEventListener("input", () => {
      const count = countWords(box.value);
      const over = count - limit;
      const template = over > 0 ? counter.dataset.tooMany : counter.dataset.within;
      const text = template
        .replace("{count}", count)
        .replace("{limit}", limit)
        .replace("{over}", over);
      counter.textContent = text;
      counter.classList.toggle("word-count--over", over > 0);
      clearTimeout(timer);
      if (announce) timer = setTimeout(() => { announce.textContent = text; }, 1000);
    });
  }
});

// Show "in your own words" boxes only beside a question answered "I'd prefer to describe
// myself" (without JavaScript every box shows, with a hint saying when to use it).
document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll("[data-self-describe-for]")) {
    const field = input.closest(".field");
    const radios = document.querySelectorAll(`input[name="${input.dataset.selfDescribeFor}"]`);
    const update = () => {
      const chosen = [...radios].some((r) => r.checked && r.value === "self_describe");
      field.toggleAttribute("data-self-describe-hidden", !chosen && !input.value);
    };
    for (const radio of radios) radio.addEventListener("change", update);
    update();
  }
});

// "Copy link" buttons beside read-only link fields: shown only where the browser can copy.
document.addEventListener("DOMContentLoaded", () => {
  if (!navigator.clipboard) {
    return;
  }
  document.querySelectorAll("[data-copy-link]").forEach((button) => {
    const field = document.getElementById(button.dataset.copyLink);
    if (!field) {
      return;
    }
    const label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(field.value);
        button.textContent = "Copied";
      } catch {
        field.select();
        button.textContent = "Press Ctrl+C to copy";
      }
      setTimeout(() => { button.textContent = label; }, 3000);
    });
  });
});
