// Matching settings: show each slider's number beside it as it moves. Without JavaScript the
// number shown is the saved one, and the slider still submits its value.
document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll("input[type=range][data-weight]")) {
    const output = document.getElementById(`${input.id}_output`);
    if (!output) continue;
    input.addEventListener("input", () => {
      output.textContent = input.value;
    });
  }
});
