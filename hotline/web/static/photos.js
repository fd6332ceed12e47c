// A photo larger than the server takes is refused as it is chosen, before a phone spends
// minutes sending it; the server checks again whatever the browser did.
"use strict";
document.addEventListener("change", (event) => {
  const input = event.target.closest("input[type=file][data-max-bytes]");
  if (!input) return;
  const tooLarge = [...input.files].some((file) => file.size > Number(input.dataset.maxBytes));
  input.setCustomValidity(tooLarge ? input.dataset.tooLarge : "");
  if (tooLarge) input.reportValidity();
});
