/*
 * Draws a chart above every report table marked data-chart="line|bar", from the table itself:
 * the first column labels the points, data-chart-series names the columns drawn (0-based) and
 * data-chart-dashed the ones drawn dashed (interval bounds, the baseline band). Cells carry their
 * number in data-value. The table stays: it is the chart's text alternative, and the page works as
 * tables without JavaScript. Loaded as a file (no inline script), after Chart.js.
 */
(function () {
  'use strict'
  if (typeof window.Chart === 'undefined') { return }
  // GOV.UK palette: blue, orange, dark grey, green, purple, red.
  var colours = ['#1d70b8', '#f47738', '#505a5f', '#00703c', '#4c2c92', '#d4351c']

  function columns (value) {
    return (value || '').split(',').filter(function (part) { return part !== '' }).map(Number)
  }

  function cellNumber (cell) {
    if (!cell || !cell.hasAttribute('data-value')) { return null }
    var value = parseFloat(cell.getAttribute('data-value'))
    return isNaN(value) ? null : value
  }

  function draw (table) {
    var headers = Array.prototype.map.call(table.tHead.rows[0].cells, function (cell) {
      return cell.textContent.trim()
    })
    var rows = Array.prototype.slice.call(table.tBodies[0].rows)
    if (table.hasAttribute('data-chart-skip-last')) { rows.pop() }
    var series = columns(table.getAttribute('data-chart-series'))
    var dashed = columns(table.getAttribute('data-chart-dashed'))
    var kind = table.getAttribute('data-chart')
    var labels = rows.map(function (row) { return row.cells[0].textContent.trim() })
    var solid = 0
    var datasets = series.map(function (column, index) {
      var isDashed = dashed.indexOf(column) !== -1
      var colour = colours[(isDashed ? Math.max(solid - 1, 0) : solid++) % colours.length]
      return {
        label: headers[column],
        data: rows.map(function (row) { return cellNumber(row.cells[column]) }),
        borderColor: colour,
        backgroundColor: colour,
        borderDash: isDashed ? [6, 4] : [],
        pointRadius: isDashed ? 0 : 3,
        fill: false,
        tension: 0
      }
    })
    var figure = document.createElement('div')
    figure.className = 'app-chart'
    var canvas = document.createElement('canvas')
    canvas.setAttribute('role', 'img')
    var caption = table.caption ? table.caption.textContent.trim() : ''
    canvas.setAttribute('aria-label', 'Chart: ' + caption + '. The same figures are in the table below.')
    figure.appendChild(canvas)
    var wrapper = table.closest('.app-report-table') || table
    wrapper.parentNode.insertBefore(figure, wrapper)
    return new window.Chart(canvas, {
      type: kind === 'bar' ? 'bar' : 'line',
      data: { labels: labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          y: { beginAtZero: true, title: { display: true, text: table.getAttribute('data-chart-y-label') || '' } }
        }
      }
    })
  }

  var tables = document.querySelectorAll('table[data-chart]')
  Array.prototype.forEach.call(tables, draw)
}())
