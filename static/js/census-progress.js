// Census import page: poll the job's status and move the progress bar; reload when finished.
(function () {
  var box = document.getElementById('census-progress')
  if (!box) return
  var bar = document.getElementById('census-progress-bar')
  var text = document.getElementById('census-progress-text')
  function poll () {
    fetch(box.dataset.statusUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) { return response.json() })
      .then(function (job) {
        bar.value = job.percent
        bar.textContent = job.percent + '%'
        text.textContent = job.status_label + ': ' + job.children_done + ' of ' + (job.children_total || '?') + ' children checked.'
        if (job.finished) { window.location.reload() } else { window.setTimeout(poll, 1000) }
      })
      .catch(function () { window.setTimeout(poll, 3000) })
  }
  window.setTimeout(poll, 500)
})()
