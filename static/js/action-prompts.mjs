// The prompt select of an action's form (templates/learning/actions/form.html) offers only the
// prompts of the chosen standard. Without a script that takes a second step ("Show this
// standard's prompts"); here, choosing a standard swaps the prompt options (and the hint that
// says which standard they belong to) in place, from every standard's prompts in the page.
const standard = document.querySelector('select[data-prompt-offers]')
const prompt = standard && document.getElementById(standard.dataset.promptSelect)

if (prompt) {
  const offers = JSON.parse(standard.dataset.promptOffers)
  const hint = document.getElementById(`${prompt.id}-hint`)
  const step = standard.form.querySelector('[data-choose-standard]')
  if (step) {
    step.remove()
  }

  standard.addEventListener('change', () => {
    const offer = offers[standard.value] || offers.none
    const kept = prompt.value
    prompt.replaceChildren(
      ...offer.options.map((option) => new Option(option.text, option.value, false, option.value === kept))
    )
    if (hint) {
      hint.textContent = offer.hint
    }
  })
}
