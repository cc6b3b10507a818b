// Person pickers (flipside/lib/picker.py): a search box becomes a combobox. HTMX fetches the
// matches into the listbox as the person types; this script sends the text as ?q=, lets the
// arrow keys move through the matches, Enter choose one and Escape close the list, and puts
// the chosen person's id in the hidden input. Without it, the box is a plain search.
document.addEventListener("htmx:configRequest", (event) => {
  const input = event.detail.elt;
  if (input.matches && input.matches("[data-picker-input]")) {
    event.detail.parameters = { q: input.value };
  }
});

const pickerParts = (root) => ({
  input: root.querySelector("[data-picker-input]"),
  value: root.querySelector("[data-picker-value]"),
  list: root.querySelector("[role=listbox]"),
  status: root.querySelector("[data-picker-status]"),
});

const pickerOptions = (list) => [...list.querySelectorAll("[role=option]:not([aria-disabled])")];

const pickerClose = ({ input, list }) => {
  list.hidden = true;
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
};

const pickerMove = ({ input, list }, step) => {
  const options = pickerOptions(list);
  if (!options.length) return;
  const current = options.findIndex((o) => o.getAttribute("aria-selected") === "true");
  const next = current < 0 ? (step > 0 ? 0 : options.length - 1)
    : (current + step + options.length) % options.length;
  options.forEach((o, i) => o.setAttribute("aria-selected", String(i === next)));
  input.setAttribute("aria-activedescendant", options[next].id);
  options[next].scrollIntoView({ block: "nearest" });
};

const pickerChoose = (parts, option) => {
  parts.input.value = option.dataset.label;
  if (parts.value) parts.value.value = option.dataset.value;
  pickerClose(parts);
  parts.input.focus();
};

document.addEventListener("DOMContentLoaded", () => {
  for (const root of document.querySelectorAll("[data-picker]")) {
    const parts = pickerParts(root);
    if (!parts.input || !parts.list) continue;
    parts.input.addEventListener("input", () => {
      // Typing again forgets the earlier choice until a new one is made.
      if (parts.value) parts.value.value = "";
    });
    parts.list.addEventListener("htmx:afterSwap", () => {
      pickerOptions(parts.list).forEach((o, i) => {
        o.id = `${parts.list.id}_${i}`;
      });
      const any = parts.list.children.length > 0;
      if (parts.status) {
        const found = pickerOptions(parts.list).length;
        const says = parts.status.dataset;
        parts.status.textContent = !any ? "" : found === 0 ? says.none
          : found === 1 ? says.one : says.many.replace("%s", found);
      }
      parts.list.hidden = !any;
      parts.input.setAttribute("aria-expanded", String(any));
      parts.input.removeAttribute("aria-activedescendant");
    });
    parts.input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (parts.list.hidden && parts.list.children.length) {
          parts.list.hidden = false;
          parts.input.setAttribute("aria-expanded", "true");
        }
        pickerMove(parts, event.key === "ArrowDown" ? 1 : -1);
      } else if (event.key === "Enter" && !parts.list.hidden) {
        const active = document.getElementById(parts.input.getAttribute("aria-activedescendant"));
        if (active) {
          event.preventDefault();
          pickerChoose(parts, active);
        }
      } else if (event.key === "Escape" && !parts.list.hidden) {
        event.preventDefault();
        pickerClose(parts);
      }
    });
    parts.list.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]:not([aria-disabled])");
      if (option) pickerChoose(parts, option);
    });
    parts.input.addEventListener("blur", () => {
      // Let a click on an option land before the list closes.
      setTimeout(() => pickerClose(parts), 200);
    });
  }
});
